import type { Clock } from '../connections/context.js';
import type { S2SToken, Store } from '../store/types.js';
import type { ZoomS2SOAuthClient } from '../zoom/index.js';

/** A stored token with less life than this left is replaced before use. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;

/**
 * The account's Server-to-Server token, one for every instance: read from
 * the store (sealed there); when missing, expiring or refused, fetched by
 * one instance at a time under the store's lock, every other caller (in this
 * process through one shared promise, elsewhere by re-reading under the
 * lock) using the token just stored. A burst of meetings costs one request.
 */
export class S2STokenSource {
  private inflight: Promise<S2SToken> | undefined;

  constructor(
    private readonly deps: { store: Store; client: ZoomS2SOAuthClient; clock: Clock; lockTimeoutMs: number },
  ) {}

  async token(): Promise<string> {
    const stored = await this.deps.store.s2sTokens.get(this.deps.client.accountId);
    if (stored && this.fresh(stored)) return stored.accessToken;
    return (await this.fetch(undefined)).accessToken;
  }

  /** Zoom refused `failed` (401 code 124): replace it, unless someone already has. */
  async replace(failed: string): Promise<string> {
    return (await this.fetch(failed)).accessToken;
  }

  private fetch(failed: string | undefined): Promise<S2SToken> {
    this.inflight ??= this.fetchUnderLock(failed).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private fetchUnderLock(failed: string | undefined): Promise<S2SToken> {
    const { store, client, clock, lockTimeoutMs } = this.deps;
    return store.s2sTokens.withLock(client.accountId, lockTimeoutMs, async (locked) => {
      const current = locked.current;
      if (current && current.accessToken !== failed && this.fresh(current)) return current;
      const grant = await client.requestToken();
      const now = clock();
      const token = { accessToken: grant.accessToken, expiresAt: new Date(now.getTime() + grant.expiresInSeconds * 1000) };
      await locked.save(token, now);
      return token;
    });
  }

  private fresh(token: S2SToken): boolean {
    return token.expiresAt.getTime() - this.deps.clock().getTime() > EXPIRY_MARGIN_MS;
  }
}
