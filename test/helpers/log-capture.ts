import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export interface CapturedLog {
  logger: Logger;
  /** Every line written so far, as written. */
  readonly lines: string[];
}

/**
 * A host app's own pino logger at `level`, with no redaction configured (a
 * host cannot be expected to know our secrets' names), keeping every line.
 */
export function captureLog(level = 'info'): CapturedLog {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

/** The names of the secrets whose values occur in `haystack`. */
export function secretsIn(haystack: string, secrets: Map<string, string>): string[] {
  return [...secrets].filter(([, value]) => value.length > 0 && haystack.includes(value)).map(([name]) => name);
}
