/** Our tables live in a PostgreSQL schema of their own, so none can clash with a host app's. */
export const DEFAULT_SCHEMA = 'zoom_connect';

/** `"name"`: an identifier quoted for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
