/**
 * Zoom answering something the protocol does not allow (RFC 6749 §5.1 for
 * the token response, a user without an id) is a protocol error: named by
 * field, not an outage, never counted toward `inactive`. A real HTTP server
 * plays Zoom's token endpoint with the answers each test scripts.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { TokenManager, type TokenPolicy } from '../../src/connections/index.js';
import { DEFAULT_EXPIRES_IN_SECONDS, ZoomOAuthClient, ZoomProtocolError, ZoomTransport } from '../../src/zoom/index.js';
import { BACKENDS, newConnection, uniqueUserId, useStore } from '../helpers/store-fixtures.js';

const POLICY: TokenPolicy = { skewSeconds: 300, maxConsecutiveFailures: 5, cooldownSeconds: 60, lockTimeoutMs: 5_000 };

let server: Server;
let answer: (res: ServerResponse) => void = (res) => res.end();
let oauth: ZoomOAuthClient;
let transport: ZoomTransport;
const logger = createLogger('silent', new Writable({ write: (_c: Buffer, _e, done) => done() }));

function tokenAnswer(body: unknown): (res: ServerResponse) => void {
  return (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

beforeAll(async () => {
  server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  transport = new ZoomTransport({ timeoutMs: 2_000, logger, baseBackoffMs: 5 });
  oauth = new ZoomOAuthClient({ clientId: 'c', clientSecret: 's', redirectUri: 'http://app.test/cb', oauthBaseUrl: base, apiBaseUrl: `${base}/v2` }, transport);
});

afterAll(async () => {
  await transport.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('token responses checked field by field', () => {
  const VALID = { access_token: 'at', token_type: 'bearer', refresh_token: 'rt', expires_in: 3599, scope: 'user:read' };

  test.each([
    ['access_token', { ...VALID, access_token: '' }, /"access_token" must be a non-empty string/],
    ['token_type', { ...VALID, token_type: 'mac' }, /"token_type" must be "bearer"/],
    ['expires_in', { ...VALID, expires_in: 'soon' }, /"expires_in" must be a positive number of seconds/],
    ['expires_in', { ...VALID, expires_in: 0 }, /"expires_in" must be a positive number of seconds/],
    ['refresh_token', { ...VALID, refresh_token: 42 }, /"refresh_token" must be a non-empty string when present/],
    ['scope', { ...VALID, scope: ['user:read'] }, /"scope" must be a space-separated string/],
  ])('a response whose %s is malformed is a protocol error naming it and the rule', async (field, body, message) => {
    answer = tokenAnswer(body);
    const err = await oauth.refresh('old-refresh-token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomProtocolError);
    expect(err).toMatchObject({ field });
    expect(String((err as Error).message)).toMatch(message);
    expect(String((err as Error).message)).toMatch(/RFC 6749 §5\.1/);
  });

  test('a response without expires_in gets the short default life, not forever', async () => {
    const { expires_in: _omitted, ...withoutLifetime } = VALID;
    answer = tokenAnswer(withoutLifetime);
    expect((await oauth.refresh('old-refresh-token')).expiresInSeconds).toBe(DEFAULT_EXPIRES_IN_SECONDS);
  });
});

describe.each(BACKENDS)('a malformed refresh answer on %s', (backend) => {
  const fx = useStore(backend);

  test('pauses refreshes but does not count toward inactive, and the caller hears zoom_invalid_response', async () => {
    const userId = uniqueUserId('malformed');
    await fx.store.connections.saveConnected(newConnection(userId));
    const tokens = new TokenManager({ store: fx.store, oauth, policy: POLICY, clock: () => new Date(), logger });
    answer = tokenAnswer({ token_type: 'bearer', refresh_token: 'rt' });

    await expect(tokens.refreshNow(userId)).rejects.toMatchObject({ code: 'zoom_invalid_response' });

    const after = await fx.store.connections.get(userId);
    expect(after).toMatchObject({ status: 'active', refreshFailureCount: 0, lastRefreshError: 'zoom_invalid_response: access_token' });
    expect(after?.refreshBlockedUntil?.getTime() ?? 0).toBeGreaterThan(Date.now());
  });
});
