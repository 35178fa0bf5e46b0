// Entry of the training worker (bundled as out/main/training-worker.js). Placeholder until the
// training engine lands here; it must exist so the main-process build has both entries.
export {}
