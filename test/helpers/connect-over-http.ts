/**
 * The connect flow over real sockets, as one browser from one (loopback)
 * address: authorize on the app, consent at the emulator (flow.ts's
 * consent), callback on the app with the binding cookie. Used where many
 * users connect at once from chosen local addresses.
 */
import { consent } from './flow.js';
import { http, type HttpResult } from './raw-http.js';

export interface ConnectedView {
  connected: boolean;
  status: string;
  zoomUserId: string | null;
  zoomEmail: string | null;
  zoomAccountId: string | null;
  accessTokenExpiresAt: string | null;
  authorizedAt: string | null;
  lastRefreshedAt: string | null;
  refreshFailureCount: number;
  lastRefreshError: string | null;
}

export async function connectOverHttp(input: {
  /** Origin of the app process that begins the flow; the callback goes to the configured redirect URI. */
  appUrl: string;
  jwt: string;
  zoomUser: string;
  localAddress?: string;
}): Promise<ConnectedView> {
  const { localAddress } = input;
  const authorize = await http(`${input.appUrl}/api/zoom/oauth/user/authorize`, {
    headers: { authorization: `Bearer ${input.jwt}` },
    localAddress,
  });
  expectStatus(authorize, 200, 'authorize');
  const cookie = authorize.setCookies.map((line) => line.split(';')[0]).join('; ');
  const authorizationUrl = new URL((authorize.json as { authorizationUrl: string }).authorizationUrl);

  // Zoom's consent is the emulator's, whatever address the app sees us from.
  const location = await consent(authorizationUrl.toString(), input.zoomUser);

  const callback = await http(location, { headers: { cookie, accept: 'application/json' }, localAddress });
  expectStatus(callback, 200, 'callback');
  return callback.json as ConnectedView;
}

function expectStatus(res: HttpResult, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what} answered ${res.status} (expected ${status}): ${res.text.slice(0, 500)}`);
}
