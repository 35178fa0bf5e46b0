import type { HandlerGroup } from '../core/handlers'
import type { RunStore } from './run-store'

/** Every `runs.*` contract method, served by the run store (inputs are already validated). */
export function runHandlers(store: RunStore): HandlerGroup<'runs'> {
  return {
    'runs.list': (q) => store.listRuns(q),
    'runs.get': ({ id }) => store.getRun(id),
    'runs.compare': ({ ids }) => store.compareRuns(ids),
    'runs.groups': ({ ids }) => store.groupRuns(ids),
    'runs.tag': ({ id, add, remove }) => store.tagRun(id, { add, remove }),
    'runs.note': ({ id, notes }) => store.noteRun(id, notes),
    'runs.rename': ({ id, name }) => store.renameRun(id, name),
    'runs.delete': ({ ids }) => ({ deleted: store.deleteRuns(ids) }),
    'runs.export': ({ ids }) => store.exportRuns(ids),
    'runs.import': ({ bundle }) => store.importBundle(bundle),
  }
}
