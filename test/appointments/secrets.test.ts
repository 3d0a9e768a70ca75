import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlStore } from '../../src/store/index.js';
import { connect } from '../helpers/http-client.js';
import { secretsIn } from '../helpers/log-capture.js';
import { dumpAllTables } from '../helpers/store-fixtures.js';
import { booking, S2S, startAppointmentStack, uniqueAppointment, type AppointmentStack } from './helpers.js';

describe.each(['pglite', 'postgres'] as const)('no appointment secret in logs, responses or database bytes (%s)', (db) => {
  let s: AppointmentStack;
  beforeAll(async () => {
    s = await startAppointmentStack({ providers: 'zoom_user,zoom_account,google_meet', s2s: true, db });
  }, 90_000);
  afterAll(async () => s?.close());

  it('the S2S token, start links, user tokens and the service account key stay out of every output', async () => {
    // One meeting by each provider, and the host's start link fetched.
    const own = uniqueAppointment('sec-own');
    const connected = await connect(s.client, s.stack, own.hostId, own.hostEmail);
    expect((await s.put(connected.jwt, own.appointmentId, booking())).status).toBe(201);
    const start = await s.startUrl(connected.jwt, own.appointmentId);
    const startUrl = String(start.body.startUrl);
    expect(startUrl).toMatch(/^https?:\/\//);

    const byAccount = uniqueAppointment('sec-account');
    const accountJwt = await s.stack.signIn(byAccount.hostId);
    expect((await s.put(accountJwt, byAccount.appointmentId, booking({ hostEmail: 'ava.thompson@example.com' }))).body).toMatchObject({ provider: 'zoom_account' });

    const byGoogle = uniqueAppointment('sec-google');
    const googleJwt = await s.stack.signIn(byGoogle.hostId);
    expect((await s.put(googleJwt, byGoogle.appointmentId, booking({ hostEmail: byGoogle.hostEmail }))).body).toMatchObject({ provider: 'google_meet' });

    const store = s.stack.service.store;
    if (!(store instanceof SqlStore)) throw new Error('expected the SQL store');
    const s2sToken = (await store.s2sTokens.get(S2S.accountId))?.accessToken ?? '';
    expect(s2sToken).not.toBe('');
    const userTokens = (await store.connections.getWithTokens(own.hostId))?.tokens;
    const keyFile = JSON.parse(s.google.keyFile) as { private_key: string };
    const secrets = new Map([
      ['S2S access token', s2sToken],
      ['start_url', startUrl],
      ['S2S client secret', S2S.clientSecret],
      ['user access token', userTokens?.accessToken ?? ''],
      ['user refresh token', userTokens?.refreshToken ?? ''],
      // The key's base64 body, one line of it: enough to recognise any copy.
      ['service account private key', keyFile.private_key.split('\n')[1] ?? ''],
    ]);

    const responses = s.client.exchanges.filter((e) => !e.path.endsWith('/start-url')).map((e) => e.raw).join('\n');
    expect(secretsIn(responses, secrets)).toEqual([]);
    expect(secretsIn(s.stack.logs.join(''), secrets)).toEqual([]);
    const dump = await dumpAllTables(store);
    // The dump does hold our rows (the sealed token's account, the meetings): its silence means something.
    expect(dump).toContain(S2S.accountId);
    expect(dump).toContain(byAccount.appointmentId);
    expect(secretsIn(dump, secrets)).toEqual([]);
  });
});
