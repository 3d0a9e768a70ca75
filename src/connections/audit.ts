import type { Store } from '../store/types.js';
import type { Clock, RequestContext } from './context.js';

export type AuditEventName =
  | 'connect_started'
  | 'connected'
  | 'connect_failed'
  | 'token_refreshed'
  | 'refresh_failed'
  | 'revoked'
  | 'deauthorized';

/** Records every state change with who asked; details must never include a credential. */
export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  record(userId: string | null, event: AuditEventName, ctx: RequestContext, details: Record<string, unknown> = {}): Promise<void> {
    return this.store.audit.record({ userId, event, ip: ctx.ip, userAgent: ctx.userAgent, details, at: this.clock() });
  }
}
