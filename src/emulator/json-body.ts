/**
 * JSON request bodies, bounded in depth. The body limit alone caps size, not
 * shape: 64 KB of `[` parses fine but nests tens of thousands deep, and every
 * recursive consumer after the parser (zod, JSON.stringify of the stored
 * meeting) then overflows the stack. No Zoom body nests anywhere near this.
 */
export const MAX_JSON_DEPTH = 32;

export type JsonBodyErrorCode = 'EMULATOR_INVALID_JSON' | 'EMULATOR_JSON_TOO_DEEP';

/** Thrown from the content-type parser, so the request is refused before any handler stores anything. */
export class JsonBodyError extends Error {
  readonly statusCode = 400;

  constructor(
    readonly code: JsonBodyErrorCode,
    message: string,
    /** The top-level field the problem sits under (`body` for the body as a whole), for Zoom's `errors[].field`. */
    readonly field: string,
  ) {
    super(message);
    this.name = 'JsonBodyError';
  }
}

/**
 * The top-level field under which nesting exceeds `maxDepth` containers, or
 * undefined. Iterative on purpose: a recursive walk would overflow on exactly
 * the input it exists to refuse.
 */
export function tooDeepField(value: unknown, maxDepth: number): string | undefined {
  const pending: Array<{ value: unknown; depth: number; field: string }> = [{ value, depth: 1, field: 'body' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > maxDepth) return next.field;
    const entries: Array<[string, unknown]> = Array.isArray(next.value)
      ? next.value.map((item, index): [string, unknown] => [String(index), item])
      : Object.entries(next.value);
    for (const [key, child] of entries) {
      pending.push({ value: child, depth: next.depth + 1, field: next.depth === 1 ? key : next.field });
    }
  }
  return undefined;
}

/** Parses a request body; throws JsonBodyError for malformed or over-nested JSON. */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new JsonBodyError('EMULATOR_INVALID_JSON', `Malformed JSON: ${error.message}`, 'body');
  }
  const field = tooDeepField(value, MAX_JSON_DEPTH);
  if (field !== undefined) {
    throw new JsonBodyError('EMULATOR_JSON_TOO_DEEP', `JSON nested more than ${MAX_JSON_DEPTH} levels deep under "${field}".`, field);
  }
  return value;
}
