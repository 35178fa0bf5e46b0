import type { HandlerGroup } from '../core/handlers'
import type { Store } from './open-store'

/** Every `runs.*` contract method, served by the run store and its bundles (inputs are already validated). */
export function runHandlers({ runs, bundles }: Pick<Store, 'runs' | 'bundles'>): HandlerGroup<'runs'> {
  return {
    'runs.list': (q) => runs.listRuns(q),
    'runs.get': ({ id }) => runs.getRun(id),
    'runs.compare': ({ ids }) => runs.compareRuns(ids),
    'runs.groups': ({ ids }) => runs.groupRuns(ids),
    'runs.inputSizes': ({ baseId, datasetId }) => runs.sizedRuns(baseId, datasetId),
    'runs.tag': ({ id, add, remove }) => runs.tagRun(id, { add, remove }),
    'runs.note': ({ id, notes }) => runs.noteRun(id, notes),
    'runs.rename': ({ id, name }) => runs.renameRun(id, name),
    'runs.delete': ({ ids }) => ({ deleted: runs.deleteRuns(ids) }),
    'runs.export': ({ ids }) => bundles.exportRuns(ids),
    'runs.import': ({ bundle }) => bundles.importBundle(bundle),
  }
}
