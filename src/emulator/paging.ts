import { randomBytes } from 'node:crypto';
import { purgeExpired } from './purge.js';
import type { EmulatorState, PageCursor } from './state.js';

/** Zoom's next_page_token lives 15 minutes. */
const CURSOR_TTL_MS = 15 * 60 * 1000;
/**
 * Expiry alone does not bound cursors: a fast loop makes thousands within 15
 * minutes. Past this many the oldest go first, as the walk least likely to resume.
 */
export const MAX_PAGE_CURSORS = 10_000;
export const DEFAULT_PAGE_SIZE = 30;
export const MAX_PAGE_SIZE = 300;

export type PageResult<T> =
  | { ok: true; items: T[]; totalRecords: number; nextPageToken: string }
  | { ok: false };

function rememberCursor(state: EmulatorState, token: string, cursor: PageCursor): void {
  purgeExpired(state);
  // A Map iterates in insertion order, so its first key is the oldest cursor.
  for (const oldest of state.cursors.keys()) {
    if (state.cursors.size < MAX_PAGE_CURSORS) break;
    state.cursors.delete(oldest);
  }
  state.cursors.set(token, cursor);
}

/**
 * The first page snapshots the ordered ids; later pages read from that
 * snapshot, so records created or removed mid-walk cannot shift a page and make
 * the walk skip or repeat one. The token is bound to the query that made it.
 */
export function paginate<T>(
  state: EmulatorState,
  queryKey: string,
  items: readonly T[],
  idOf: (item: T) => string,
  pageSize: number,
  token: string | undefined,
): PageResult<T> {
  const now = state.now();
  let ids: string[];
  let offset: number;
  if (token) {
    const cursor = state.cursors.get(token);
    if (!cursor || cursor.key !== queryKey || cursor.expiresAt <= now) return { ok: false };
    ids = cursor.ids;
    offset = cursor.offset;
  } else {
    ids = items.map(idOf);
    offset = 0;
  }
  const byId = new Map(items.map((item) => [idOf(item), item]));
  const page = ids
    .slice(offset, offset + pageSize)
    .map((id) => byId.get(id))
    .filter((item): item is T => item !== undefined);
  let nextPageToken = '';
  if (offset + pageSize < ids.length) {
    nextPageToken = randomBytes(24).toString('base64url');
    rememberCursor(state, nextPageToken, { key: queryKey, ids, offset: offset + pageSize, expiresAt: now + CURSOR_TTL_MS });
  }
  return { ok: true, items: page, totalRecords: ids.length, nextPageToken };
}

/** An absent page_size means the default; null means the value is not a usable page size. */
export function parsePageSize(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return DEFAULT_PAGE_SIZE;
  if (!/^\d{1,9}$/.test(raw)) return null;
  const size = Number(raw);
  if (size < 1) return null;
  // Zoom documents a maximum of 300 and quietly serves 300 when asked for more.
  return Math.min(size, MAX_PAGE_SIZE);
}
