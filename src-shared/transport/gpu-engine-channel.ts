// Names both ends of the GPU engine window's port handoff use; no imports, so the preload that
// imports them bundles nothing else.

/** The IPC channel on which the main process hands the GPU engine window its MessagePort. */
export const GPU_ENGINE_PORT_CHANNEL = 'workbench:gpu-engine-port'

/** The window.postMessage tag with which the preload hands the page that port. */
export const GPU_ENGINE_PORT_MESSAGE = 'workbench:gpu-engine-port'
