/**
 * The domain's parts wired to a running emulator over HTTP, for tests that
 * drive TokenManager, ConnectFlow or ZoomAccount without the HTTP edge.
 */
import type { Logger } from '../../src/config/logger.js';
import type { EmulatorClient } from '../../src/emulator/index.js';
import type { Store } from '../../src/store/types.js';
import { ZoomApi, ZoomOAuthClient, ZoomTransport } from '../../src/zoom/index.js';
import { api, connect } from '../emulator/helpers.js';
import { newConnection } from './store-fixtures.js';

export interface ZoomClients {
  transport: ZoomTransport;
  oauth: ZoomOAuthClient;
  api: ZoomApi;
}

/** Our Zoom clients for `client` at the emulator; close `transport` afterwards. */
export function zoomClientsFor(emulatorUrl: string, client: EmulatorClient, logger: Logger, overrides: { clientSecret?: string } = {}): ZoomClients {
  const transport = new ZoomTransport({ timeoutMs: 2_000, logger, baseBackoffMs: 5 });
  const oauth = new ZoomOAuthClient(
    {
      clientId: client.clientId,
      clientSecret: overrides.clientSecret ?? client.clientSecret,
      redirectUri: client.redirectUris[0] as string,
      oauthBaseUrl: emulatorUrl,
      apiBaseUrl: `${emulatorUrl}/v2`,
    },
    transport,
  );
  return { transport, oauth, api: new ZoomApi(transport, `${emulatorUrl}/v2`) };
}

/**
 * Connects `userId` at the emulator (consent, PKCE, code exchange) as the Zoom
 * user `<zoomUserPrefix><userId>@example.test` and stores the connection with
 * its real tokens, the access token stored as expiring `expiresInMs` from now.
 */
export async function storeEmulatorConnection(
  store: Store,
  emulatorUrl: string,
  userId: string,
  expiresInMs: number,
  zoomUserPrefix = '',
): Promise<{ accessToken: string }> {
  const tokens = await connect(emulatorUrl, { user: `${zoomUserPrefix}${userId}@example.test` });
  const me = await api(emulatorUrl, '/v2/users/me', tokens.access_token);
  await store.connections.saveConnected(
    newConnection(userId, {
      zoomUserId: String(me.body['id']),
      zoomEmail: String(me.body['email']),
      zoomAccountId: String(me.body['account_id']),
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      accessTokenExpiresAt: new Date(Date.now() + expiresInMs),
      grantedScopes: tokens.scope.split(' '),
      // The configured API base (the emulator), not newConnection's real Zoom default.
      apiUrl: null,
    }),
  );
  return { accessToken: tokens.access_token };
}
