import type { ClaimedEvent } from '../store/types.js';
import { DeliveryError } from './delivery-error.js';

/** What an in-process handler receives: the same `{type, timestamp, data}` a webhook carries, plus the event id. */
export interface DeliveredEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  /** 1 on the first attempt; more when an earlier attempt failed or its acknowledgement was lost. */
  attempt: number;
}

export type EventHandler = (event: DeliveredEvent) => void | Promise<void>;

/** Every type ('*') or one type, e.g. 'connection.needs_reauth'. */
export type EventSelector = string;

/**
 * In-process receivers, per event type. A handler that throws or rejects
 * fails the delivery: the event is retried like a webhook (so handlers must
 * be idempotent; the event id tells repeats apart). Handlers of one event run
 * one after another, in registration order.
 */
export class EventHandlers {
  private readonly byType = new Map<EventSelector, EventHandler[]>();

  on(type: EventSelector, handler: EventHandler): () => void {
    const list = this.byType.get(type) ?? [];
    list.push(handler);
    this.byType.set(type, list);
    return () => {
      const current = this.byType.get(type) ?? [];
      this.byType.set(
        type,
        current.filter((h) => h !== handler),
      );
    };
  }

  async deliver(event: ClaimedEvent): Promise<void> {
    const handlers = [...(this.byType.get(event.type) ?? []), ...(this.byType.get('*') ?? [])];
    const delivered: DeliveredEvent = {
      id: event.id,
      type: event.type,
      timestamp: event.occurredAt.toISOString(),
      data: event.data,
      attempt: event.attempts,
    };
    for (const handler of handlers) {
      try {
        await handler(delivered);
      } catch (err) {
        throw new DeliveryError(`an in-process ${event.type} handler failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
  }
}
