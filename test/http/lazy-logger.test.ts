import { PassThrough } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { lazyChildLogger } from '../../src/http/lazy-logger.js';

function captured(level = 'info'): { logger: FastifyBaseLogger; lines: () => Record<string, unknown>[] } {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return {
    logger: createLogger(level, out),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('the request logger made at its first line', () => {
  it('writes a line with the request id bound and secrets redacted, as pino\'s own child does', () => {
    const { logger, lines } = captured();
    const lazy = lazyChildLogger(logger, { reqId: 'req-7' }, {});
    lazy.info({ accessToken: 'secret-access-token', query: { code: 'oauth-code' } }, 'callback refused');
    logger.child({ reqId: 'req-7' }).info({ accessToken: 'secret-access-token', query: { code: 'oauth-code' } }, 'callback refused');
    const [fromLazy, fromPino] = lines();
    expect(fromLazy).toMatchObject({ reqId: 'req-7', msg: 'callback refused', accessToken: '[redacted]', query: { code: '[redacted]' } });
    const { time: _a, ...lazyRest } = fromLazy ?? {};
    const { time: _b, ...pinoRest } = fromPino ?? {};
    expect(lazyRest).toEqual(pinoRest);
  });

  it('makes no child logger for a request that never logs, and one for a request that logs twice', () => {
    const { logger } = captured();
    let made = 0;
    const counting: FastifyBaseLogger = Object.assign(Object.create(logger) as FastifyBaseLogger, {
      child: (bindings: Record<string, unknown>, options?: object) => {
        made += 1;
        return logger.child(bindings, options);
      },
    });
    const quiet = lazyChildLogger(counting, { reqId: 'a' }, {});
    expect(quiet.level).toBe('info');
    expect(made).toBe(0);
    const loud = lazyChildLogger(counting, { reqId: 'b' }, {});
    loud.warn('one');
    loud.error('two');
    expect(made).toBe(1);
  });

  it('honours a route\'s own log level given in the child options', () => {
    const { logger, lines } = captured('info');
    const lazy = lazyChildLogger(logger, { reqId: 'c' }, { level: 'warn' });
    expect(lazy.level).toBe('warn');
    lazy.info('dropped');
    lazy.warn('kept');
    expect(lines().map((l) => l.msg)).toEqual(['kept']);
  });
});
