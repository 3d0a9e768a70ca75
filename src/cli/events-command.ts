import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { TokenCipher } from '../crypto/index.js';
import { eventJsonSchemas } from '../events/catalog.js';
import { openStore } from '../store/index.js';
import type { OutboxRecord, OutboxStatus, Store } from '../store/types.js';

export const EVENTS_USAGE = `Usage: zoom-connect events <subcommand>

  list [--status pending|delivered|dead] [--user APP_USER_ID] [--limit N] [--json]
                      Newest first (default limit 50), with pending and dead counts
  replay EVENT_ID     Puts one dead event back to pending; it is delivered again with the same id
  replay --all-dead   Puts every dead event back to pending
  schemas             Prints the JSON Schema of every event type's data

Reads DATABASE_URL (or DATA_DIR for the embedded database) like the service.`;

export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const STATUSES: readonly OutboxStatus[] = ['pending', 'delivered', 'dead'];

/** `zoom-connect events ...`; returns the exit code. */
export async function runEventsCommand(args: string[], env: NodeJS.ProcessEnv, io: CommandOutput): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'schemas') {
    io.out(`${JSON.stringify(Object.fromEntries(eventJsonSchemas()), null, 2)}\n`);
    return 0;
  }
  if (sub === 'list') {
    const parsed = parseListArgs(rest);
    if (typeof parsed === 'string') return usageError(io, parsed);
    return withStore(env, async (store) => {
      const [records, counts] = await Promise.all([store.outbox.list(parsed), store.outbox.counts()]);
      io.out(parsed.json ? `${JSON.stringify({ counts, events: records })}\n` : formatList(records, counts));
      return 0;
    });
  }
  if (sub === 'replay') {
    const [target, ...extra] = rest;
    if (!target || extra.length > 0) return usageError(io, 'replay takes one event id, or --all-dead');
    return withStore(env, async (store) => {
      const replayed = await store.outbox.replayDead(target === '--all-dead' ? undefined : target);
      if (replayed === 0 && target !== '--all-dead') {
        io.err(`zoom-connect events: no dead event with id "${target}" (only dead events can be replayed)\n`);
        return 1;
      }
      io.out(`replayed ${replayed} event${replayed === 1 ? '' : 's'}; running instances deliver ${replayed === 1 ? 'it' : 'them'} at their next poll\n`);
      return 0;
    });
  }
  return usageError(io, sub === undefined ? 'a subcommand is required' : `unknown subcommand "${sub}"`);
}

interface ListArgs {
  status?: OutboxStatus;
  appUserId?: string;
  limit: number;
  json: boolean;
}

function parseListArgs(args: string[]): ListArgs | string {
  const result: ListArgs = { limit: 50, json: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--json') {
      result.json = true;
      continue;
    }
    const value = args[i + 1];
    i += 1;
    if (value === undefined) return `${flag} needs a value`;
    if (flag === '--status') {
      const status = STATUSES.find((s) => s === value);
      if (!status) return `--status must be one of ${STATUSES.join(', ')}, got "${value}"`;
      result.status = status;
    } else if (flag === '--user') {
      result.appUserId = value;
    } else if (flag === '--limit') {
      const limit = Number(value);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return `--limit must be an integer from 1 to 10000, got "${value}"`;
      result.limit = limit;
    } else {
      return `unknown option "${flag}"`;
    }
  }
  return result;
}

/**
 * Events carry no secret, so this command needs no token key: a throwaway
 * key ring satisfies the store, which never decrypts here.
 */
async function withStore(env: NodeJS.ProcessEnv, fn: (store: Store) => Promise<number>): Promise<number> {
  const config = loadConfig(env);
  const keys = config.encryptionKeys.length > 0 ? config.encryptionKeys : [{ kid: 'events-cli', key: randomBytes(32) }];
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite'), cipher: new TokenCipher(keys) });
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

function formatList(records: OutboxRecord[], counts: { pending: number; dead: number }): string {
  const lines = [`pending: ${counts.pending}  dead: ${counts.dead}`];
  for (const r of records) {
    const when =
      r.status === 'delivered' ? `delivered ${iso(r.deliveredAt)}` : r.status === 'dead' ? `dead since ${iso(r.deadAt)}` : `next attempt ${iso(r.nextAttemptAt)}`;
    const error = r.lastError ? `  last error: ${r.lastError}` : '';
    lines.push(`${r.id}  ${r.type}  user=${r.appUserId}  ${r.status}  attempts=${r.attempts}  ${when}${error}`);
  }
  return `${lines.join('\n')}\n`;
}

function iso(d: Date | null): string {
  return d ? d.toISOString() : '-';
}

function usageError(io: CommandOutput, problem: string): number {
  io.err(`zoom-connect events: ${problem}\n\n${EVENTS_USAGE}\n`);
  return 2;
}
