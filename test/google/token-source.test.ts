import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { functionTokenSource, GoogleHostNotServableError, GoogleUnavailableError } from '../../src/google/index.js';
import { startGoogleEmulator, type RunningGoogleEmulator } from '../../src/google-emulator/index.js';
import { captureLog } from '../helpers/log-capture.js';
import { control, HOST, OTHER_HOST, rig, setFaults, stats, type ClientRig } from './helpers.js';

describe('Google tokens (service account with domain-wide delegation)', () => {
  let emulator: RunningGoogleEmulator;
  let r: ClientRig;
  const log = captureLog('debug');

  beforeAll(async () => {
    emulator = await startGoogleEmulator();
  });
  beforeEach(async () => {
    await control(emulator, 'reset');
    r = rig(emulator, log.logger);
  });
  afterEach(() => r.close());
  afterAll(() => emulator.close());

  it('the emulator accepts the signed assertion and issues a token acting as the host', async () => {
    const token = await r.tokens.getAccessToken(HOST);
    expect(token.length).toBeGreaterThan(10);
    expect((await stats(emulator)).tokensBySubject).toEqual({ [HOST]: 1 });
  });

  it('many calls for one host cost one token request', async () => {
    await Promise.all(Array.from({ length: 10 }, () => r.client.getEvent(HOST, 'abcdefgh')));
    await r.client.getEvent(HOST, 'abcdefgh');
    const s = await stats(emulator);
    expect(s.tokenRequests).toBe(1);
    expect(s.apiCalls).toBe(11);
  });

  it('concurrent first calls for one host share one token request', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => r.tokens.getAccessToken(HOST)));
    expect(new Set(tokens).size).toBe(1);
    expect((await stats(emulator)).tokenRequests).toBe(1);
  });

  it('each host gets a token of its own', async () => {
    const [a, b] = await Promise.all([r.tokens.getAccessToken(HOST), r.tokens.getAccessToken(OTHER_HOST)]);
    expect(a).not.toBe(b);
    expect((await stats(emulator)).tokensBySubject).toEqual({ [HOST]: 1, [OTHER_HOST]: 1 });
  });

  it('a token close to expiry is replaced before Google would refuse it', async () => {
    const shortLived = await startGoogleEmulator({ tokenLifetimeSeconds: 30 });
    const local = rig(shortLived, log.logger);
    try {
      // The default margin (60 s) is longer than the whole 30 s lifetime: every call needs a new token.
      await local.tokens.getAccessToken(HOST);
      await local.tokens.getAccessToken(HOST);
      expect((await stats(shortLived)).tokenRequests).toBe(2);
    } finally {
      await local.close();
      await shortLived.close();
    }
  });

  it('a 401 from the Calendar API fetches a fresh token once and the call succeeds', async () => {
    await r.client.getEvent(HOST, 'abcdefgh');
    await control(emulator, 'expire-tokens');
    await expect(r.client.getEvent(HOST, 'abcdefgh')).resolves.toBeUndefined();
    expect((await stats(emulator)).tokenRequests).toBe(2);
  });

  it('a host outside the Workspace domain cannot be served (invalid_grant)', async () => {
    const error = await r.tokens.getAccessToken('someone@elsewhere.org').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GoogleHostNotServableError);
    expect((error as GoogleHostNotServableError).reason).toBe('invalid_grant');
  });

  it('a domain address that is no Workspace user cannot be served (invalid_grant)', async () => {
    await setFaults(emulator, { unknownUsers: [HOST] });
    await expect(r.client.getEvent(HOST, 'abcdefgh')).rejects.toMatchObject({ name: 'GoogleHostNotServableError', reason: 'invalid_grant' });
  });

  it('removed domain-wide delegation means the host cannot be served (unauthorized_client)', async () => {
    await setFaults(emulator, { revokeDelegation: true });
    await expect(r.tokens.getAccessToken(HOST)).rejects.toMatchObject({ name: 'GoogleHostNotServableError', reason: 'unauthorized_client' });
  });

  it('an unknown scope means the host cannot be served (invalid_scope)', async () => {
    const local = rig(emulator, log.logger, { scopes: ['https://example.com/not-a-google-scope'] });
    try {
      await expect(local.tokens.getAccessToken(HOST)).rejects.toMatchObject({ name: 'GoogleHostNotServableError', reason: 'invalid_scope' });
    } finally {
      await local.close();
    }
  });

  it('a token endpoint that stays down is GoogleUnavailableError after the retries', async () => {
    await setFaults(emulator, { tokenEndpointDown: true });
    await expect(r.tokens.getAccessToken(HOST)).rejects.toBeInstanceOf(GoogleUnavailableError);
    expect((await stats(emulator)).tokenRequests).toBe(3);
  });

  it('a failed token request is not cached: the next call asks again', async () => {
    await setFaults(emulator, { revokeDelegation: true });
    await expect(r.tokens.getAccessToken(HOST)).rejects.toBeInstanceOf(GoogleHostNotServableError);
    await setFaults(emulator, {});
    await expect(r.tokens.getAccessToken(HOST)).resolves.toMatch(/\S/);
  });

  describe('a host-supplied token function', () => {
    it('is asked for each call with the host, and its token is used', async () => {
      const asked: string[] = [];
      const local = rig(emulator, log.logger, {
        tokens: functionTokenSource(async (host) => {
          asked.push(host);
          return r.tokens.getAccessToken(host);
        }),
      });
      try {
        await expect(local.client.getEvent(HOST, 'abcdefgh')).resolves.toBeUndefined();
        expect(asked).toEqual([HOST]);
      } finally {
        await local.close();
      }
    });

    it('is asked once more after Google refuses its token (401)', async () => {
      let calls = 0;
      const local = rig(emulator, log.logger, {
        tokens: functionTokenSource(async (host) => (++calls === 1 ? 'ya29.not-a-real-token' : r.tokens.getAccessToken(host))),
      });
      try {
        await expect(local.client.getEvent(HOST, 'abcdefgh')).resolves.toBeUndefined();
        expect(calls).toBe(2);
      } finally {
        await local.close();
      }
    });

    it('a function that says the host cannot be served is believed', async () => {
      const local = rig(emulator, log.logger, {
        tokens: functionTokenSource(() => Promise.reject(new GoogleHostNotServableError('invalid_grant', 'no Google account'))),
      });
      try {
        await expect(local.client.getEvent(HOST, 'abcdefgh')).rejects.toMatchObject({ name: 'GoogleHostNotServableError', reason: 'invalid_grant' });
      } finally {
        await local.close();
      }
    });

    it('a function that fails otherwise is GoogleUnavailableError, without repeating its message', async () => {
      const local = rig(emulator, log.logger, { tokens: functionTokenSource(() => Promise.reject(new TypeError('vault said: s3cr3t'))) });
      try {
        const error = await local.client.getEvent(HOST, 'abcdefgh').catch((err: unknown) => err);
        expect(error).toBeInstanceOf(GoogleUnavailableError);
        expect((error as Error).message).toContain('TypeError');
        expect((error as Error).message).not.toContain('s3cr3t');
      } finally {
        await local.close();
      }
    });

    it('a function that returns an empty token is GoogleUnavailableError', async () => {
      const local = rig(emulator, log.logger, { tokens: functionTokenSource(() => Promise.resolve('')) });
      try {
        await expect(local.client.getEvent(HOST, 'abcdefgh')).rejects.toBeInstanceOf(GoogleUnavailableError);
        expect((await stats(emulator)).apiCalls).toBe(0);
      } finally {
        await local.close();
      }
    });

    it('a function that keeps returning refused tokens means the host cannot be served (unauthorized)', async () => {
      const local = rig(emulator, log.logger, { tokens: functionTokenSource(() => Promise.resolve('ya29.stale')) });
      try {
        await expect(local.client.getEvent(HOST, 'abcdefgh')).rejects.toMatchObject({ name: 'GoogleHostNotServableError', reason: 'unauthorized' });
      } finally {
        await local.close();
      }
    });
  });
});
