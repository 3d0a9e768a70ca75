import type { DeliveredEvent } from './handlers.js';

const PER_USER = 50;
const MAX_USERS = 1_000;

/**
 * The demo page's feed: an in-process handler that keeps the last events
 * each app user received, so the page can show them as they arrive. Bounded
 * (oldest users forgotten first); a demo aid, not a store.
 */
export class RecentEvents {
  private readonly byUser = new Map<string, DeliveredEvent[]>();
  private sequence = 0;
  private readonly order = new Map<string, number>();

  readonly record = (event: DeliveredEvent): void => {
    const userId = typeof event.data.appUserId === 'string' ? event.data.appUserId : undefined;
    if (userId === undefined) return;
    const list = this.byUser.get(userId) ?? [];
    // At least once: a redelivered event is shown once.
    if (list.some((e) => e.id === event.id)) return;
    this.sequence += 1;
    this.order.set(event.id, this.sequence);
    list.push(event);
    const dropped = list.splice(0, Math.max(0, list.length - PER_USER));
    for (const e of dropped) this.order.delete(e.id);
    this.byUser.delete(userId);
    this.byUser.set(userId, list);
    for (const [oldest, events] of this.byUser) {
      if (this.byUser.size <= MAX_USERS) break;
      this.byUser.delete(oldest);
      for (const e of events) this.order.delete(e.id);
    }
  };

  /** The user's events received after `cursor` (0: all kept), oldest first, with the cursor to ask with next. */
  since(userId: string, cursor: number): { events: DeliveredEvent[]; cursor: number } {
    const list = (this.byUser.get(userId) ?? []).filter((e) => (this.order.get(e.id) ?? 0) > cursor);
    const last = list.at(-1);
    return { events: list, cursor: last ? (this.order.get(last.id) ?? cursor) : cursor };
  }
}
