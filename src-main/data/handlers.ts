import type { HandlerGroup } from '../core/handlers'
import type { DatasetService } from './dataset-service'

/** The `datasets.*` methods of the contract, served by a DatasetService. */
export function datasetHandlers(service: DatasetService): HandlerGroup<'datasets'> {
  return {
    'datasets.list': () => service.list(),
    'datasets.get': ({ id }) => service.get(id),
    'datasets.import': (input) => service.import(input),
    'datasets.download': (input) => service.download(input),
    'datasets.cancel': ({ jobId }) => {
      service.cancel(jobId)
      return { ok: true as const }
    },
    'datasets.findKerasCache': async () => ({ path: await service.findKerasCache() }),
    'datasets.delete': async ({ id }) => {
      await service.delete(id)
      return { ok: true as const }
    },
    'datasets.preview': (input) => service.preview(input),
    'datasets.images': (input) => service.images(input),
  }
}
