import type { Logger } from '../config/logger.js';
import type { RefreshMetrics, WebhookMetrics } from '../metrics/types.js';
import type { Store } from '../store/types.js';
import type { ZoomApi, ZoomOAuthClient } from '../zoom/index.js';
import { AuditLog } from './audit.js';
import { ConnectFlow } from './connect-flow.js';
import type { Clock, RequestContext } from './context.js';
import { Revocation } from './revocation.js';
import { statusViewOf, toStatusView, type ConnectionStatusView } from './status.js';
import { TokenManager, type TokenPolicy } from './token-manager.js';
import { ZoomAccount } from './zoom-account.js';
import { ZoomEvents } from './zoom-events.js';

export * from './errors.js';
export * from './context.js';
export { isAppUserId } from './identifiers.js';
export { STATE_TTL_MS } from './connect-flow.js';
export type { ConnectionStatusView } from './status.js';
export type { AccessGrant, TokenPolicy } from './token-manager.js';
export type { MeetingInput } from './zoom-account.js';
/** Zoom's own text of an object a Zoom call answered: the edges hand it on instead of serialising it again. */
export { zoomJsonText } from '../zoom/index.js';
export { asConnectError, DEFAULT_RETRY_AFTER_SECONDS } from './zoom-failures.js';
export type { ZoomEventInput, ZoomEventOutcome } from './zoom-events.js';
export { TokenManager, ConnectFlow, Revocation, ZoomAccount, AuditLog, ZoomEvents };

export interface ConnectionsDeps {
  store: Store;
  oauth: ZoomOAuthClient;
  api: ZoomApi;
  policy: TokenPolicy;
  clock: Clock;
  logger: Logger;
  /** Refreshes and webhooks are counted here (src/metrics); absent, nothing is counted. */
  metrics?: RefreshMetrics & WebhookMetrics;
}

/** The domain, framework-free: what the Fastify routes and the Express adapter both call. */
export interface Connections {
  flow: ConnectFlow;
  tokens: TokenManager;
  account: ZoomAccount;
  revocation: Revocation;
  /** Zoom's signed webhook events. */
  zoomEvents: ZoomEvents;
  status(userId: string): Promise<ConnectionStatusView>;
  refresh(userId: string, ctx: RequestContext): Promise<ConnectionStatusView>;
  /** Readiness: resolves when the database answers, rejects (as a domain error) when it does not. */
  ready(): Promise<void>;
}

export function createConnections(deps: ConnectionsDeps): Connections {
  const audit = new AuditLog(deps.store, deps.clock);
  const tokens = new TokenManager(deps);
  const revocation = new Revocation({ ...deps, audit });
  return {
    flow: new ConnectFlow({ ...deps, audit }),
    tokens,
    account: new ZoomAccount({ ...deps, tokens }),
    revocation,
    zoomEvents: new ZoomEvents({ revocation, clock: deps.clock, logger: deps.logger, metrics: deps.metrics }),
    async status(userId) {
      return toStatusView(await deps.store.connections.getSummary(userId));
    },
    async ready() {
      await deps.store.ping();
    },
    async refresh(userId, ctx) {
      const connection = await tokens.refreshNow(userId);
      await audit.record(userId, 'token_refreshed', ctx, { manual: true });
      return statusViewOf(connection);
    },
  };
}
