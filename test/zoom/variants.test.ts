import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { startEmulator, type EmulatorClient, type RunningEmulator } from '../../src/emulator/index.js';
import { ZoomApi, ZoomOAuthClient, ZoomOAuthError, ZoomTransport } from '../../src/zoom/index.js';
import { authorizationCode, CLIENT, control, isoDate, pkce, REDIRECT_URI } from '../emulator/helpers.js';

/**
 * Where the evidence about Zoom conflicts, the emulator offers both behaviours
 * per app; the client must work against each.
 */
const APPS: Array<[string, EmulatorClient]> = [
  ['the default behaviours', CLIENT],
  [
    'the alternative behaviours',
    {
      clientId: 'alternative',
      clientSecret: 'alternative-secret',
      redirectUris: [REDIRECT_URI],
      variants: { tokenParameters: 'body-only', invalidClientStatus: 400, invalidCodeError: 'invalid_request', recordingDefaultDates: 'today-tomorrow' },
    },
  ],
];

describe.each(APPS)('the Zoom client against %s', (_name, app) => {
  let emulator: RunningEmulator;
  const transport = new ZoomTransport({ timeoutMs: 2000, logger: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })) });

  beforeAll(async () => {
    emulator = await startEmulator({ clients: [app] });
  });
  afterAll(async () => {
    await transport.close();
    await emulator.close();
  });
  beforeEach(async () => {
    await control(emulator.url, 'reset');
  });

  function oauth(secret = app.clientSecret): ZoomOAuthClient {
    return new ZoomOAuthClient(
      { clientId: app.clientId, clientSecret: secret, redirectUri: REDIRECT_URI, oauthBaseUrl: emulator.url, apiBaseUrl: `${emulator.url}/v2` },
      transport,
    );
  }

  async function codeAndVerifier(): Promise<[string, string]> {
    const { verifier, challenge } = pkce();
    return [await authorizationCode(emulator.url, { client: app, challenge, method: 'S256' }), verifier];
  }

  it('exchanges a code and refreshes (parameters in the form body)', async () => {
    const tokens = await oauth().exchangeCode(...(await codeAndVerifier()));
    const refreshed = await oauth().refresh(tokens.refreshToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
  });

  it('surfaces a wrong client secret as invalid_client, whichever status Zoom uses', async () => {
    const error = await oauth('wrong-secret').exchangeCode(...(await codeAndVerifier())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoomOAuthError);
    expect((error as ZoomOAuthError).error).toBe('invalid_client');
  });

  it('surfaces a reused code as a refused grant, whichever error Zoom names', async () => {
    const [code, verifier] = await codeAndVerifier();
    await oauth().exchangeCode(code, verifier);
    const error = await oauth().exchangeCode(code, verifier).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoomOAuthError);
    expect((error as ZoomOAuthError).status).toBe(400);
    expect(['invalid_grant', 'invalid_request']).toContain((error as ZoomOAuthError).error);
  });

  it('gets the recordings of the dates it asks for, whatever Zoom\'s default dates', async () => {
    const tokens = await oauth().exchangeCode(...(await codeAndVerifier()));
    const api = new ZoomApi(transport, `${emulator.url}/v2`);
    const page = await api.listRecordings({ accessToken: tokens.accessToken, apiBase: tokens.apiBase }, { from: isoDate(-20), to: isoDate(0) });
    expect([page['from'], page['to']]).toEqual([isoDate(-20), isoDate(0)]);
  });
});
