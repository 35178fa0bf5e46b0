import type { HandlerGroup } from '../core/handlers'
import type { InferenceService } from './inference-service'

/** Every `inference.*` method of the contract. */
export function inferenceHandlers(service: InferenceService): HandlerGroup<'inference'> {
  return {
    'inference.exportModel': ({ id, format, out }) => service.exportModel(id, format, out),
    'inference.predict': ({ id, images, topK }) => service.predict(id, images, topK),
    'inference.explain': (request) => service.explain(request),
  }
}
