/**
 * Three real server processes on one PostgreSQL database, as production runs
 * them: an appointment never gets two meetings however many requests race
 * for it, and the account's Server-to-Server token is fetched once for all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printClusterOutputOnFailure, startCluster, type Cluster } from '../helpers/cluster.js';
import { closeHttpAgents, type HttpResult } from '../helpers/raw-http.js';
import { booking, S2S, S2S_ENV, uniqueAppointment } from './helpers.js';

const PROCESSES = 3;
/** A user the emulator seeds into its account: the account can make meetings for them without a connection. */
const ACCOUNT_USER = 'ava.thompson@example.com';

describe('appointment meetings across three server processes', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({
      processes: PROCESSES,
      emulator: { serverToServer: S2S },
      env: { ...S2S_ENV, MEETING_PROVIDERS: 'zoom_user,zoom_account' },
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
    await closeHttpAgents();
  });
  printClusterOutputOnFailure(() => cluster);

  function put(i: number, jwt: string, appointmentId: string, body: Record<string, unknown>): Promise<HttpResult> {
    return cluster.request(i % PROCESSES, `/api/appointments/${appointmentId}/meeting`, {
      method: 'PUT',
      jwt,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: 60_000,
    });
  }

  async function accountTokenRequests(): Promise<number> {
    const stats = (await (await fetch(`${cluster.emulator.url}/_emulator/stats`)).json()) as { tokenRequests: Record<string, number> };
    return stats.tokenRequests['account_credentials'] ?? 0;
  }

  it('20 concurrent PUTs of one appointment make exactly one meeting', async () => {
    const a = uniqueAppointment('race');
    await cluster.connect(a.hostId, a.hostEmail);
    const jwt = await cluster.signIn(a.hostId);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => put(i, jwt, a.appointmentId, booking())));
    expect(results.map((r) => r.status).sort((x, y) => x - y)).toEqual([...Array<number>(19).fill(200), 201]);
    const ids = new Set(results.map((r) => (r.json as { meetingId: string }).meetingId));
    expect(ids.size).toBe(1);
    const rows = await cluster.sql<{ n: string }>('SELECT count(*)::text AS n FROM appointment_meetings WHERE host_id = $1', [a.hostId]);
    expect(rows[0]?.n).toBe('1');
    const created = (await (await fetch(`${cluster.emulator.url}/_emulator/stats`)).json()) as { apiCalls: Record<string, number> };
    expect(created.apiCalls['POST /v2/users/{userId}/meetings']).toBe(1);
  });

  it('200 meetings through the account across three instances cost one token request', async () => {
    expect(await accountTokenRequests()).toBe(0);
    const bookings = Array.from({ length: 200 }, () => uniqueAppointment('burst'));
    const jwts = await Promise.all(bookings.map((b) => cluster.signIn(b.hostId)));
    const results: HttpResult[] = [];
    // 40 at a time: a burst, without queueing every request behind each process's pool.
    for (let start = 0; start < bookings.length; start += 40) {
      const wave = bookings.slice(start, start + 40).map((b, i) => put(start + i, jwts[start + i] as string, b.appointmentId, booking({ hostEmail: ACCOUNT_USER })));
      results.push(...(await Promise.all(wave)));
    }
    expect(results.filter((r) => r.status !== 201).map((r) => r.text)).toEqual([]);
    expect(new Set(results.map((r) => (r.json as { provider: string }).provider))).toEqual(new Set(['zoom_account']));
    expect(await accountTokenRequests()).toBe(1);
  });
});
