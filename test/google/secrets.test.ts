import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleEventId, parseServiceAccountKey } from '../../src/google/index.js';
import { startGoogleEmulator, type RunningGoogleEmulator } from '../../src/google-emulator/index.js';
import { captureLog, secretsIn } from '../helpers/log-capture.js';
import { control, HOST, meeting, rig, setFaults } from './helpers.js';

/** A JWT (an assertion): three base64url segments, the first a JSON header. */
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

describe('Google secrets stay out of logs and error messages', () => {
  let emulator: RunningGoogleEmulator;

  beforeAll(async () => {
    emulator = await startGoogleEmulator();
  });
  afterAll(() => emulator.close());

  it('no access token, private key or assertion appears in any log line or error, on success or failure', async () => {
    const log = captureLog('trace');
    const r = rig(emulator, log.logger);
    const errors: string[] = [];
    const failing = async (action: () => Promise<unknown>): Promise<void> => {
      await action().then(
        () => undefined,
        (err: unknown) => errors.push(err instanceof Error ? `${err.name}: ${err.message} ${JSON.stringify(err)}` : String(err)),
      );
    };
    try {
      await control(emulator, 'reset');
      const id = googleEventId(HOST, 'secret-check');
      const first = await r.tokens.getAccessToken(HOST);
      await r.client.insertEvent(HOST, meeting(id));
      await control(emulator, 'expire-tokens');
      await r.client.patchEvent(HOST, id, { summary: 'again' });
      const second = await r.tokens.getAccessToken(HOST);
      await setFaults(emulator, { errorRate: 1, errorStatus: 503 });
      await failing(() => r.client.getEvent(HOST, id));
      await setFaults(emulator, { rateLimit: { count: 10 } });
      await failing(() => r.client.deleteEvent(HOST, id));
      await setFaults(emulator, { forbiddenCalendars: [HOST] });
      await failing(() => r.client.getEvent(HOST, id));
      await setFaults(emulator, { revokeDelegation: true });
      await failing(() => r.tokens.getAccessToken('new.host@example.com'));
      await setFaults(emulator, {});
      await failing(() => r.tokens.getAccessToken('someone@elsewhere.org'));

      const key = parseServiceAccountKey(emulator.keyFile);
      const secrets = new Map([
        ['first access token', first],
        ['refreshed access token', second],
        ['private key body', key.privateKey.split('\n')[1] ?? key.privateKey],
      ]);
      const everything = [...log.lines, ...errors].join('\n');
      expect(log.lines.length).toBeGreaterThan(3);
      expect(errors).toHaveLength(5);
      expect(secretsIn(everything, secrets)).toEqual([]);
      expect(everything).not.toMatch(JWT);
      expect(everything).not.toContain('PRIVATE KEY');
    } finally {
      await r.close();
    }
  });
});
