import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { CALLBACK_PATH } from '../config/refusals.js';
import { createLogger } from '../config/logger.js';
import { MIGRATIONS, type SqlStore } from '../store/index.js';
import { ZoomOAuthClient, ZoomOAuthError, ZoomTransport, ZoomUnavailableError } from '../zoom/index.js';
import type { CliIo } from './io.js';
import { openCliStore } from './open-store.js';

/** Never a real token: Zoom must refuse it, and how it refuses says whether our credentials are good. */
const DUMMY_REFRESH_TOKEN = 'zoom-connect-doctor-not-a-real-refresh-token';

type Verdict = { ok: true; detail: string } | { ok: false; detail: string } | { skipped: string };

/**
 * `zoom-connect doctor`: one line per check, exit 1 if any failed. Checks
 * that need a working configuration or database are skipped (and say why)
 * when those fail, so the first real cause stands out.
 */
export async function doctor(io: CliIo): Promise<number> {
  let failed = false;
  const report = (name: string, verdict: Verdict): void => {
    if ('skipped' in verdict) {
      io.out(`skip  ${name}: ${verdict.skipped}\n`);
      return;
    }
    if (!verdict.ok) failed = true;
    io.out(`${verdict.ok ? 'ok  ' : 'FAIL'}  ${name}: ${verdict.detail}\n`);
  };

  const config = checkConfig(io.env);
  report('config', config.verdict);
  report('redirect URI', checkRedirectUri(io.env));
  if (!config.config) {
    for (const name of ['database', 'migrations', 'encryption keys', 'zoom oauth']) report(name, { skipped: 'the configuration is invalid' });
    return 1;
  }

  const store = await openDatabase(config.config);
  report('database', store.verdict);
  if (store.store) {
    try {
      const migrations = await checkMigrations(store.store);
      report('migrations', migrations);
      report('encryption keys', 'ok' in migrations && migrations.ok ? await checkKeyIds(store.store, config.config) : { skipped: 'migrations are not current' });
    } finally {
      await store.store.close();
    }
  } else {
    report('migrations', { skipped: 'the database is unreachable' });
    report('encryption keys', { skipped: 'the database is unreachable' });
  }
  report('zoom oauth', await checkZoomCredentials(config.config));
  return failed ? 1 : 0;
}

function checkConfig(env: NodeJS.ProcessEnv): { verdict: Verdict; config?: Config } {
  try {
    const config = loadConfig(env);
    const where = config.databaseUrl ? 'PostgreSQL' : `the embedded database in ${config.dataDir}`;
    return { verdict: { ok: true, detail: `valid (${config.demo ? 'demo mode' : `Zoom client ${config.zoom.clientId}`}, ${where})` }, config };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { verdict: { ok: false, detail: err.problems.join('; ') } };
  }
}

/** Read from the environment itself, so it reports even when the rest of the configuration does not load. */
function checkRedirectUri(env: NodeJS.ProcessEnv): Verdict {
  const raw = env.ZOOM_REDIRECT_URI?.trim();
  if (!raw) return { ok: true, detail: `not set: the demo's ${CALLBACK_PATH} on localhost` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, detail: 'ZOOM_REDIRECT_URI is not an absolute URL' };
  }
  if (url.pathname !== CALLBACK_PATH) return { ok: false, detail: `path is "${url.pathname}", expected ${CALLBACK_PATH} (the callback route)` };
  if (env.NODE_ENV === 'production' && url.protocol !== 'https:') return { ok: false, detail: 'expected https in production (Zoom sends the code to it)' };
  return { ok: true, detail: `${url.origin}${url.pathname} is the callback route` };
}

async function openDatabase(config: Config): Promise<{ verdict: Verdict; store?: SqlStore }> {
  let store: SqlStore;
  try {
    store = await openCliStore(config);
  } catch (err) {
    return { verdict: { ok: false, detail: messageOf(err) } };
  }
  try {
    await store.ping();
  } catch (err) {
    await store.close();
    return { verdict: { ok: false, detail: messageOf(err) } };
  }
  return { verdict: { ok: true, detail: `${store.kind} answers` }, store };
}

async function checkMigrations(store: SqlStore): Promise<Verdict> {
  const exists = await store.db.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return { ok: false, detail: 'none applied: run zoom-connect migrate' };
  const { rows } = await store.db.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((r) => Number(r.version)));
  const known = MIGRATIONS.map((m) => m.version);
  const newest = Math.max(0, ...applied);
  if (newest > Math.max(...known)) return { ok: false, detail: `the database is at ${newest}, newer than this build (${Math.max(...known)}): upgrade zoom-connect` };
  const pending = known.filter((v) => !applied.has(v));
  if (pending.length > 0) return { ok: false, detail: `pending: ${pending.join(', ')}; run zoom-connect migrate` };
  return { ok: true, detail: `current (${known.length} applied)` };
}

/** Every key id stored beside a ciphertext must be in the ring, or those rows can never be decrypted. */
async function checkKeyIds(store: SqlStore, config: Config): Promise<Verdict> {
  const { rows } = await store.db.query<{ kid: string; n: number }>(
    `SELECT kid, count(*)::int AS n FROM (
       SELECT token_kid AS kid FROM connections WHERE token_kid IS NOT NULL
       UNION ALL SELECT code_verifier_kid FROM oauth_states
     ) k GROUP BY kid ORDER BY kid`,
  );
  const ring = new Set(config.encryptionKeys.map((k) => k.kid));
  const missing = rows.filter((r) => !ring.has(r.kid));
  if (config.encryptionKeys.length === 0) {
    return rows.length === 0
      ? { ok: true, detail: 'TOKEN_ENCRYPTION_KEYS not set and nothing is stored yet' }
      : { ok: false, detail: `TOKEN_ENCRYPTION_KEYS not set; stored data uses ${rows.map((r) => r.kid).join(', ')}` };
  }
  if (missing.length > 0) {
    const list = missing.map((r) => `"${r.kid}" (${r.n} rows)`).join(', ');
    return { ok: false, detail: `stored data uses key ids missing from TOKEN_ENCRYPTION_KEYS: ${list}` };
  }
  const current = config.encryptionKeys[0]?.kid;
  const old = rows.filter((r) => r.kid !== current).reduce((n, r) => n + Number(r.n), 0);
  return { ok: true, detail: `every stored key id is in the ring (current "${current}"${old > 0 ? `; ${old} rows under older keys: run rotate-keys` : ''})` };
}

async function checkZoomCredentials(config: Config): Promise<Verdict> {
  const transport = new ZoomTransport({ timeoutMs: config.zoom.httpTimeoutMs, logger: createLogger('silent'), maxRetries: 0 });
  const oauth = new ZoomOAuthClient(config.zoom, transport);
  try {
    await oauth.refresh(DUMMY_REFRESH_TOKEN);
    return { ok: false, detail: `${config.zoom.oauthBaseUrl} accepted a dummy refresh token: this is not Zoom's OAuth server` };
  } catch (err) {
    if (err instanceof ZoomOAuthError && err.isInvalidGrant) {
      return { ok: true, detail: `${config.zoom.oauthBaseUrl} accepts the client credentials (a dummy refresh token got invalid_grant)` };
    }
    if (err instanceof ZoomOAuthError && (err.error === 'invalid_client' || err.status === 401)) {
      return { ok: false, detail: `${config.zoom.oauthBaseUrl} refused the client credentials (${err.error}): check ZOOM_USER_MANAGED_CLIENT_ID and ZOOM_USER_MANAGED_CLIENT_SECRET` };
    }
    if (err instanceof ZoomOAuthError) return { ok: false, detail: `${config.zoom.oauthBaseUrl} answered HTTP ${err.status} ${err.error}, expected invalid_grant` };
    if (err instanceof ZoomUnavailableError) return { ok: false, detail: `${config.zoom.oauthBaseUrl} unreachable: ${err.message}` };
    throw err;
  } finally {
    await transport.close();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
