import type { HandlerGroup } from '../core/handlers'
import type { ModelService } from './model-service'

/** Every `models.*` contract method, served by the model registry (inputs are already validated). */
export function modelHandlers(service: ModelService): HandlerGroup<'models'> {
  return {
    'models.list': () => service.list(),
    'models.get': ({ id }) => service.get(id),
    'models.import': (request) => service.import(request),
    'models.download': (request) => service.download(request),
    'models.delete': ({ id }) => service.delete(id),
  }
}
