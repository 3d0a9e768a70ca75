/**
 * Appointment meetings: how fast PUT /api/appointments/{id}/meeting makes a
 * meeting through each provider, against a direct create at the same
 * emulator in the same run (the cost of the chain, the lock, the recorded
 * intent and the database writes), and how many Server-to-Server token
 * requests 1,000 account meetings cost (one shared token: ideally ~0).
 *
 *   npm run bench -- --appointments          this benchmark alone
 *   BENCH_APPT_MEETINGS=100 ...              meetings per row (default 300)
 *   BENCH_APPT_CONCURRENCY=4 ...             requests in flight (default 8)
 *
 * The service runs in this process on PostgreSQL (the run's own server),
 * with both emulators beside it, so rows compare with each other, not with
 * bench/results/latest.md. Writes appointments.{json,md} to a temp directory
 * it prints.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/logger.js';
import { startEmulator } from '../src/emulator/index.js';
import { GoogleHttp, parseServiceAccountKey, ServiceAccountTokenSource } from '../src/google/index.js';
import { startGoogleEmulator } from '../src/google-emulator/index.js';
import { startService } from '../src/service.js';
import { createDatabase, startPostgresServer } from '../test/helpers/postgres.js';
import { freePort } from '../test/helpers/net.js';
import { BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_JWT_SECRET, agent, connectUsers, signAppJwt } from './lib/connect.js';
import { summarize, type Measurement } from './lib/load.js';
import { machineInfo, markdownTable } from './lib/report.js';

const S2S = { accountId: 'bench-account', clientId: 'bench-s2s-client', clientSecret: 'bench-s2s-secret-0123456789' };
/** Seeded into the emulator's account: the account can make meetings for them without a connection. */
const ACCOUNT_USER = 'ava.thompson@example.com';
const GOOGLE_DOMAIN = 'bench.example';

interface Row {
  label: string;
  m: Measurement;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function describe(m: Measurement): string {
  const failed = m.failed > 0 ? `  FAILED ${m.failed}: ${m.failures.join('; ')}` : '';
  return `${m.rps.toFixed(1)} meetings/s  p50 ${m.p50.toFixed(1)}  p99 ${m.p99.toFixed(1)} ms  (${m.ok} in ${m.durationS.toFixed(1)} s)${failed}`;
}

/** `count` calls, `concurrency` in flight, each timed; a call resolves true when its answer was the one expected. */
async function closedLoop(count: number, concurrency: number, call: (i: number) => Promise<true | string>): Promise<Measurement> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      const outcome = await call(i).catch((err: unknown) => (err instanceof Error ? err.message : 'failed'));
      if (outcome === true) latencies.push(performance.now() - t0);
      else if (failures.length < 5) failures.push(outcome);
      else failures.length = 5;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const durationS = (performance.now() - started) / 1000;
  return summarize(latencies, concurrency, durationS, count - latencies.length, failures);
}

export async function runAppointments(): Promise<void> {
  const meetings = Number(process.env.BENCH_APPT_MEETINGS ?? 300);
  const concurrency = Number(process.env.BENCH_APPT_CONCURRENCY ?? 8);
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'zc-bench-appt-'));
  const pgServer = await startPostgresServer();
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const zoom = await startEmulator({
    port: 0,
    clients: [{ clientId: BENCH_CLIENT_ID, clientSecret: BENCH_CLIENT_SECRET, redirectUris: [`${appUrl}/api/zoom/oauth/user-callback`] }],
    serverToServer: S2S,
  });
  const keyFile = path.join(workDir, 'google-key.json');
  const google = await startGoogleEmulator({ serviceAccountOut: keyFile, domain: GOOGLE_DOMAIN });
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATA_DIR: workDir,
    DATABASE_URL: await createDatabase(pgServer.adminUrl, 'zc_bench_appt'),
    ZOOM_USER_MANAGED_CLIENT_ID: BENCH_CLIENT_ID,
    ZOOM_USER_MANAGED_CLIENT_SECRET: BENCH_CLIENT_SECRET,
    ZOOM_REDIRECT_URI: `${appUrl}/api/zoom/oauth/user-callback`,
    ZOOM_OAUTH_BASE_URL: zoom.url,
    ZOOM_API_BASE_URL: `${zoom.url}/v2`,
    ZOOM_WEBHOOK_SECRET_TOKEN: randomBytes(16).toString('hex'),
    TOKEN_ENCRYPTION_KEYS: `b1:${randomBytes(32).toString('base64')}`,
    APP_JWT_SECRET: BENCH_JWT_SECRET,
    POST_CONNECT_REDIRECT_URL: `${appUrl}/`,
    SWEEP_INTERVAL_SECONDS: '0',
    ZOOM_S2S_ACCOUNT_ID: S2S.accountId,
    ZOOM_S2S_CLIENT_ID: S2S.clientId,
    ZOOM_S2S_CLIENT_SECRET: S2S.clientSecret,
    GOOGLE_SERVICE_ACCOUNT_KEY_FILE: keyFile,
    GOOGLE_CALENDAR_API_BASE_URL: google.calendarApiUrl,
  });
  // Errors only: the fall-through rows make Zoom answer 404 on purpose, which the transport logs as a warning.
  const service = await startService(config, { logger: createLogger('error'), rateLimit: false, port, poolMax: 20 });
  const rows: Row[] = [];
  try {
    log(`appointment meetings: ${meetings} per row, ${concurrency} in flight; service on PostgreSQL in this process`);
    const put = async (hostId: string, appointmentId: string, hostEmail: string | null, provider: string): Promise<true | string> => {
      const res = await request(`${appUrl}/api/appointments/${appointmentId}/meeting`, {
        method: 'PUT',
        dispatcher: agent,
        headers: { authorization: `Bearer ${await signAppJwt(hostId)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ topic: 'Bench call', startTime: '2027-06-01T10:00:00Z', durationMinutes: 30, timezone: 'UTC', ...(hostEmail ? { hostEmail } : {}) }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) return `HTTP ${res.statusCode} ${text.slice(0, 120)}`;
      return (JSON.parse(text) as { provider: string }).provider === provider ? true : `served by another provider: ${text.slice(0, 120)}`;
    };

    // zoom_user: hosts with their own connection.
    const users = Array.from({ length: Math.min(meetings, 50) }, (_, i) => `bench-host-${i}`);
    const jwts = new Map(await Promise.all(users.map(async (u) => [u, await signAppJwt(u)] as const)));
    await connectUsers(appUrl, users, jwts);
    rows.push({ label: 'PUT → zoom_user (own connection)', m: await closedLoop(meetings, concurrency, (i) => put(users[i % users.length] as string, `own-${i}`, null, 'zoom_user')) });

    // zoom_account: hosts without a connection, in the account.
    const tokenRequestsBefore = await accountTokenRequests(zoom.url);
    const account = await closedLoop(meetings, concurrency, (i) => put(`bench-account-host-${i}`, `acct-${i}`, ACCOUNT_USER, 'zoom_account'));
    const tokenRequests = (await accountTokenRequests(zoom.url)) - tokenRequestsBefore;
    rows.push({ label: 'PUT → zoom_account (S2S, after zoom_user: not_connected)', m: account });

    // google_meet: hosts in neither Zoom, after both Zoom providers said why not.
    rows.push({
      label: 'PUT → google_meet (after zoom_user and zoom_account)',
      m: await closedLoop(meetings, concurrency, (i) => put(`bench-google-host-${i}`, `meet-${i}`, `host${i}@${GOOGLE_DOMAIN}`, 'google_meet')),
    });

    // The baselines: the same creates sent straight to the emulators.
    const s2sToken = await directS2SToken(zoom.url);
    rows.push({
      label: 'baseline: direct Zoom POST /users/{email}/meetings',
      m: await closedLoop(meetings, concurrency, async () => {
        const res = await request(`${zoom.url}/v2/users/${encodeURIComponent(ACCOUNT_USER)}/meetings`, {
          method: 'POST',
          dispatcher: agent,
          headers: { authorization: `Bearer ${s2sToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ topic: 'Bench call', type: 2, start_time: '2027-06-01T10:00:00Z', duration: 30, timezone: 'UTC' }),
        });
        await res.body.text();
        return res.statusCode === 201 ? true : `HTTP ${res.statusCode}`;
      }),
    });
    const googleHttp = new GoogleHttp({ timeoutMs: 10_000, logger: createLogger('warn') });
    const googleTokens = new ServiceAccountTokenSource({ key: parseServiceAccountKey(google.keyFile), http: googleHttp });
    rows.push({
      label: 'baseline: direct Calendar events.insert (Meet)',
      m: await closedLoop(meetings, concurrency, async (i) => {
        const res = await request(`${google.calendarApiUrl}/calendars/primary/events?conferenceDataVersion=1`, {
          method: 'POST',
          dispatcher: agent,
          headers: { authorization: `Bearer ${await googleTokens.getAccessToken(`base${i % 50}@${GOOGLE_DOMAIN}`)}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            summary: 'Bench call',
            start: { dateTime: '2027-06-01T10:00:00Z', timeZone: 'UTC' },
            end: { dateTime: '2027-06-01T10:30:00Z', timeZone: 'UTC' },
            conferenceData: { createRequest: { requestId: `bench-${i}`, conferenceSolutionKey: { type: 'hangoutsMeet' } } },
          }),
        });
        await res.body.text();
        return res.statusCode === 200 ? true : `HTTP ${res.statusCode}`;
      }),
    });
    await googleHttp.close();

    for (const row of rows) log(`  ${row.label.padEnd(58)} ${describe(row.m)}`);
    const per1000 = account.ok === 0 ? Number.NaN : (tokenRequests / account.ok) * 1000;
    log(`  S2S token requests: ${tokenRequests} for ${account.ok} account meetings = ${per1000.toFixed(2)} per 1,000 meetings`);

    const report = { machine: machineInfo('the run\'s own server'), meetings, concurrency, rows, s2sTokenRequests: tokenRequests, s2sTokenRequestsPer1000: per1000 };
    const md = [
      `# Appointment meetings (${meetings} per row, ${concurrency} in flight)`,
      '',
      markdownTable([
        ['row', 'meetings/s', 'p50 ms', 'p99 ms', 'failed'],
        ...rows.map((r) => [r.label, r.m.rps.toFixed(1), r.m.p50.toFixed(1), r.m.p99.toFixed(1), String(r.m.failed)]),
      ]),
      '',
      `S2S token requests per 1,000 account meetings: ${per1000.toFixed(2)} (${tokenRequests} for ${account.ok}).`,
      '',
    ].join('\n');
    await writeFile(path.join(workDir, 'appointments.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(workDir, 'appointments.md'), md);
    log(`results: ${path.join(workDir, 'appointments.md')}`);
  } finally {
    await service.close();
    await zoom.close();
    await google.close();
    await pgServer.destroy();
  }
  // The results stay in workDir; the emulator's key file does not.
  await rm(path.join(workDir, 'google-key.json'), { force: true });
}

async function accountTokenRequests(zoomUrl: string): Promise<number> {
  const res = await request(`${zoomUrl}/_emulator/stats`, { dispatcher: agent });
  const stats = (await res.body.json()) as { tokenRequests: Record<string, number> };
  return stats.tokenRequests['account_credentials'] ?? 0;
}

async function directS2SToken(zoomUrl: string): Promise<string> {
  const res = await request(`${zoomUrl}/oauth/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: {
      authorization: `Basic ${Buffer.from(`${S2S.clientId}:${S2S.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'account_credentials', account_id: S2S.accountId }).toString(),
  });
  return ((await res.body.json()) as { access_token: string }).access_token;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runAppointments();
