import { loadConfig } from '../config/config.js';
import type { Connection, ConnectionStatus } from '../store/index.js';
import type { CliIo } from './io.js';
import { openCliStore } from './open-store.js';

const STATUSES: readonly ConnectionStatus[] = ['active', 'needs_reauth', 'inactive', 'revoked', 'deauthorized'];
const DEFAULT_LIMIT = 100;

interface ListRow {
  user_id: string;
  status: string;
  zoom_user_id: string | null;
  refresh_failure_count: number | string;
  last_refreshed_at: Date | null;
}

/** `zoom-connect connections list|show`: what an operator asks about one user, never a token. */
export async function connectionsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const options = parseListOptions(rest);
    if (typeof options === 'string') return usageError(io, options);
    return withStore(io, async (store) => {
      const { rows } = await store.db.query<ListRow>(
        `SELECT user_id, status, zoom_user_id, refresh_failure_count, last_refreshed_at
           FROM connections WHERE ($1::text IS NULL OR status = $1) ORDER BY user_id LIMIT $2`,
        [options.status, options.limit],
      );
      io.out('user_id\tstatus\tzoom_user_id\trefresh_failures\tlast_refreshed_at\n');
      for (const r of rows) {
        io.out(`${r.user_id}\t${r.status}\t${r.zoom_user_id ?? '-'}\t${Number(r.refresh_failure_count)}\t${iso(r.last_refreshed_at)}\n`);
      }
      return 0;
    });
  }
  if (sub === 'show') {
    if (rest.length !== 1 || !rest[0]) return usageError(io, 'connections show takes exactly one USER_ID');
    const userId = rest[0];
    return withStore(io, async (store) => {
      const connection = await store.connections.get(userId);
      if (!connection) {
        io.err(`zoom-connect connections show: no connection for user "${userId}"\n`);
        return 1;
      }
      io.out(describe(connection));
      return 0;
    });
  }
  return usageError(io, sub === undefined ? 'expected "list" or "show"' : `unknown subcommand "${sub}": expected "list" or "show"`);
}

async function withStore(io: CliIo, fn: (store: Awaited<ReturnType<typeof openCliStore>>) => Promise<number>): Promise<number> {
  const store = await openCliStore(loadConfig(io.env));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function parseListOptions(args: readonly string[]): { status: ConnectionStatus | null; limit: number } | string {
  let status: ConnectionStatus | null = null;
  let limit = DEFAULT_LIMIT;
  for (const arg of args) {
    const [name, value] = splitOption(arg);
    if (name === '--status') {
      if (!(STATUSES as readonly string[]).includes(value)) return `--status: expected one of ${STATUSES.join(', ')}, got "${value}"`;
      status = value as ConnectionStatus;
    } else if (name === '--limit') {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 1 || n > 100_000) return `--limit: expected a whole number from 1 to 100000, got "${value}"`;
      limit = n;
    } else {
      return `unknown option "${arg}"`;
    }
  }
  return { status, limit };
}

function splitOption(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, ''] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/** Every field but the tokens (which this type does not even carry). */
function describe(c: Connection): string {
  const fields: Array<[string, string]> = [
    ['user_id', c.userId],
    ['status', c.status],
    ['zoom_user_id', c.zoomUserId ?? '-'],
    ['zoom_account_id', c.zoomAccountId ?? '-'],
    ['zoom_email', c.zoomEmail ?? '-'],
    ['granted_scopes', c.grantedScopes.join(' ') || '-'],
    ['access_token_expires_at', iso(c.accessTokenExpiresAt)],
    ['refresh_failure_count', String(c.refreshFailureCount)],
    ['last_refresh_error', c.lastRefreshError ?? '-'],
    ['last_refresh_attempt_at', iso(c.lastRefreshAttemptAt)],
    ['last_refreshed_at', iso(c.lastRefreshedAt)],
    ['refresh_blocked_until', iso(c.refreshBlockedUntil)],
    ['last_used_at', iso(c.lastUsedAt)],
    ['authorized_at', iso(c.authorizedAt)],
    ['revoked_at', iso(c.revokedAt)],
    ['updated_at', iso(c.updatedAt)],
  ];
  return fields.map(([k, v]) => `${k.padEnd(24)}${v}\n`).join('');
}

function iso(d: Date | null): string {
  return d ? d.toISOString() : '-';
}

function usageError(io: CliIo, problem: string): number {
  io.err(`zoom-connect connections: ${problem}\nRun "zoom-connect connections --help" for usage.\n`);
  return 2;
}
