import type { Logger } from '../config/logger.js';
import type { Store } from '../store/types.js';
import type { ZoomApi, ZoomOAuthClient } from '../zoom/index.js';
import { AuditLog } from './audit.js';
import { ConnectFlow } from './connect-flow.js';
import type { Clock, RequestContext } from './context.js';
import { Revocation } from './revocation.js';
import { toStatusView, type ConnectionStatusView } from './status.js';
import { TokenManager, type TokenPolicy } from './token-manager.js';
import { ZoomAccount } from './zoom-account.js';

export * from './errors.js';
export * from './context.js';
export { STATE_TTL_MS } from './connect-flow.js';
export type { ConnectionStatusView } from './status.js';
export type { AccessGrant, TokenPolicy } from './token-manager.js';
export { TokenManager, ConnectFlow, Revocation, ZoomAccount, AuditLog };

export interface ConnectionsDeps {
  store: Store;
  oauth: ZoomOAuthClient;
  api: ZoomApi;
  policy: TokenPolicy;
  clock: Clock;
  logger: Logger;
}

/** The domain, framework-free: what the Fastify routes and the Express adapter both call. */
export interface Connections {
  flow: ConnectFlow;
  tokens: TokenManager;
  account: ZoomAccount;
  revocation: Revocation;
  status(userId: string): Promise<ConnectionStatusView>;
  refresh(userId: string, ctx: RequestContext): Promise<ConnectionStatusView>;
}

export function createConnections(deps: ConnectionsDeps): Connections {
  const audit = new AuditLog(deps.store, deps.clock);
  const tokens = new TokenManager(deps);
  return {
    flow: new ConnectFlow({ ...deps, audit }),
    tokens,
    account: new ZoomAccount({ ...deps, tokens }),
    revocation: new Revocation({ ...deps, audit }),
    async status(userId) {
      return toStatusView(await deps.store.connections.get(userId));
    },
    async refresh(userId, ctx) {
      const connection = await tokens.refreshNow(userId);
      await audit.record(userId, 'token_refreshed', ctx, { manual: true });
      return toStatusView(connection);
    },
  };
}
