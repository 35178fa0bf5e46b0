import type { AnyEvent, EventName, EventPayload } from '@shared/contract'

export type EventListener = (event: AnyEvent) => void

/** Typed fan-out of the contract's event streams to every connected shell. */
export class EventBus {
  private readonly listeners = new Set<EventListener>()

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const message = { event, payload } as AnyEvent
    for (const listener of this.listeners) {
      try {
        listener(message)
      } catch (error) {
        // One broken subscriber (a closed socket, say) must not stop the others.
        console.error(`event listener failed on ${event}:`, error)
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
