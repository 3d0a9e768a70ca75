import type { Logger } from '../config/logger.js';
import type { Connection, Store } from '../store/types.js';
import type { ZoomOAuthClient } from '../zoom/index.js';
import type { AuditLog } from './audit.js';
import type { Clock, RequestContext } from './context.js';

/**
 * Zoom wants a webhook answered within 3 seconds and redelivers otherwise. A
 * deauthorization that finds a refresh holding the connection gives up after
 * this (503, so Zoom redelivers) instead of outwaiting the refresh.
 */
export const DEAUTHORIZATION_LOCK_WAIT_MS = 2_000;

export interface RevokeResult {
  /** False when there was nothing to disconnect (idempotent repeat, or never connected). */
  disconnected: boolean;
  /** Whether Zoom confirmed the revocation; the local wipe happens either way. */
  revokedAtZoom: boolean;
  connection: Connection | null;
}

/**
 * One idempotent disconnect path, whoever starts it: the user (revoke) or
 * Zoom (app_deauthorized, which Zoom also sends after our own revoke).
 * Tokens are wiped locally first, then revoked at Zoom, so a Zoom outage
 * never leaves a user who asked to disconnect still connected.
 */
export class Revocation {
  constructor(
    private readonly deps: { store: Store; oauth: ZoomOAuthClient; audit: AuditLog; clock: Clock; logger: Logger },
  ) {}

  async revoke(userId: string, ctx: RequestContext): Promise<RevokeResult> {
    const before = await this.deps.store.connections.disconnect(userId, 'revoked', { wipePersonalData: false, now: this.deps.clock() });
    if (!before) {
      return { disconnected: false, revokedAtZoom: false, connection: await this.deps.store.connections.get(userId) };
    }
    let revokedAtZoom = false;
    if (before.tokens) {
      try {
        await this.deps.oauth.revoke(before.tokens.refreshToken);
        revokedAtZoom = true;
      } catch (err) {
        // The user asked to disconnect: the local wipe stands; the grant dies at Zoom within 90 days unused.
        this.deps.logger.warn({ userId, error: err instanceof Error ? err.message : 'unknown' }, 'Revocation at Zoom failed; tokens wiped locally');
      }
    }
    await this.deps.audit.record(userId, 'revoked', ctx, { revokedAtZoom });
    this.deps.logger.info({ userId, zoomUserId: before.zoomUserId, revokedAtZoom }, 'Zoom disconnected by the user');
    return { disconnected: true, revokedAtZoom, connection: await this.deps.store.connections.get(userId) };
  }

  /**
   * Zoom's `app_deauthorized`: delete that Zoom user's tokens and personal
   * data for every app user linked to it. Idempotent: a redelivery changes
   * nothing, and a replayed event cannot disconnect a connection authorized
   * after the event happened (the user connected again since). Throws
   * StoreLockTimeoutError when a refresh holds a connection longer than
   * Zoom waits: the handler answers 503 and Zoom's redelivery finishes the job.
   */
  async deauthorize(zoomUserId: string, eventTime: Date, ctx: RequestContext, details: Record<string, unknown>): Promise<number> {
    const linked = await this.deps.store.connections.findByZoomUserId(zoomUserId);
    let changed = 0;
    for (const connection of linked) {
      const before = await this.deps.store.connections.disconnect(connection.userId, 'deauthorized', {
        wipePersonalData: true,
        now: this.deps.clock(),
        authorizedNotAfter: eventTime,
        lockTimeoutMs: DEAUTHORIZATION_LOCK_WAIT_MS,
      });
      if (before) {
        changed++;
        await this.deps.audit.record(connection.userId, 'deauthorized', ctx, details);
      }
    }
    return changed;
  }
}
