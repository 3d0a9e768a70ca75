/**
 * The connect flow as a browser drives it (see test/helpers/flow.ts), over
 * undici keep-alive pools so the load generator spends little per step:
 * GET .../authorize (app) → POST /oauth/authorize with decision=allow
 * (emulator's consent form) → GET .../user-callback (app) with the binding cookie.
 */
import { Agent, request } from 'undici';
import { SignJWT } from 'jose';

export const BENCH_CLIENT_ID = 'bench-client-id';
export const BENCH_CLIENT_SECRET = 'bench-client-secret-0123456789';
export const BENCH_JWT_SECRET = 'bench-app-jwt-secret-that-is-at-least-32-bytes-long';
export const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret-token';

export const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000, pipelining: 1 });

const secret = new TextEncoder().encode(BENCH_JWT_SECRET);

/** The app's own JWT for `userId`, as a host application would mint it. */
export function signAppJwt(userId: string, ttlSeconds = 4 * 3600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(secret);
}

function firstCookie(setCookie: string | string[] | undefined): string {
  const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  const pair = line?.split(';')[0];
  if (!pair?.includes('=')) throw new Error('authorize set no binding cookie');
  return pair;
}

/** One whole connect flow for `userId` (bearer `jwt`) consenting as the Zoom user `zoomEmail`. */
export async function connectFlow(appUrl: string, jwt: string, zoomEmail: string): Promise<void> {
  const begin = await request(`${appUrl}/api/zoom/oauth/user/authorize`, {
    dispatcher: agent,
    headers: { authorization: `Bearer ${jwt}` },
  });
  if (begin.statusCode !== 200) throw new Error(`authorize answered ${begin.statusCode}: ${await begin.body.text()}`);
  const { authorizationUrl } = (await begin.body.json()) as { authorizationUrl: string };
  const cookie = firstCookie(begin.headers['set-cookie']);

  const consentUrl = new URL(authorizationUrl);
  const form = new URLSearchParams(consentUrl.searchParams);
  form.set('user', zoomEmail);
  form.set('decision', 'allow');
  const consent = await request(`${consentUrl.origin}/oauth/authorize`, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const location = consent.headers.location;
  await consent.body.dump();
  if (consent.statusCode !== 302 || typeof location !== 'string') throw new Error(`consent answered ${consent.statusCode}`);

  const callback = await request(location, { dispatcher: agent, headers: { cookie, accept: 'application/json' } });
  if (callback.statusCode !== 200) throw new Error(`callback answered ${callback.statusCode}: ${await callback.body.text()}`);
  const status = (await callback.body.json()) as { connected?: boolean };
  if (status.connected !== true) throw new Error(`callback did not connect: ${JSON.stringify(status)}`);
}

/** Connects `userIds` (Zoom user `<id>@bench.example` each) with bounded concurrency. */
export async function connectUsers(appUrl: string, userIds: string[], jwts: Map<string, string>, concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < userIds.length) {
      const userId = userIds[next++] as string;
      await connectFlow(appUrl, jwts.get(userId) as string, `${userId}@bench.example`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await request(url, { dispatcher: agent, headers });
  return { status: res.statusCode, text: await res.body.text() };
}

/** The redirect URI the bench's app on `port` registers (the emulator must know it too). */
export function benchRedirectUri(port: number): string {
  return `http://127.0.0.1:${port}/api/zoom/oauth/user-callback`;
}

/**
 * The environment of one bench app process, configured as production runs:
 * compiled, NODE_ENV=production, real-looking credentials pointed at the
 * emulator (or at nothing, when the scenario never calls Zoom). `extra` adds
 * or overrides variables.
 */
export function benchAppEnv(input: {
  port: number;
  zoomUrl: string;
  keyBase64: string;
  kid?: string;
  dataDir: string;
  databaseUrl?: string | undefined;
  logLevel?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(input.port),
    LOG_LEVEL: input.logLevel ?? 'info',
    ZOOM_USER_MANAGED_CLIENT_ID: BENCH_CLIENT_ID,
    ZOOM_USER_MANAGED_CLIENT_SECRET: BENCH_CLIENT_SECRET,
    ZOOM_REDIRECT_URI: benchRedirectUri(input.port),
    ZOOM_OAUTH_BASE_URL: input.zoomUrl,
    ZOOM_API_BASE_URL: `${input.zoomUrl}/v2`,
    ZOOM_WEBHOOK_SECRET_TOKEN: BENCH_WEBHOOK_SECRET,
    APP_JWT_SECRET: BENCH_JWT_SECRET,
    TOKEN_ENCRYPTION_KEYS: `${input.kid ?? 'bench1'}:${input.keyBase64}`,
    POST_CONNECT_REDIRECT_URL: `http://127.0.0.1:${input.port}/connected`,
    DATA_DIR: input.dataDir,
    ...(input.databaseUrl ? { DATABASE_URL: input.databaseUrl } : {}),
    ...input.extra,
  };
}
