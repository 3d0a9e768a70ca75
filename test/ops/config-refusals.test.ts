import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadEmbeddedConfig } from '../../src/config/config.js';
import { PRODUCTION_ENV } from '../helpers/config-fixtures.js';

// A password in the URL: the refusals must never echo it.
const PRODUCTION = { ...PRODUCTION_ENV, DATABASE_URL: 'postgresql://zc:hunter2@db.example.com/zoom_connect' };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  throw new Error('the configuration was accepted');
}

function occurrences(text: string, word: string): number {
  return text.split(word).length - 1;
}

describe('configuration that cannot work is refused', () => {
  it('a redirect URI whose path is not the callback route is refused', () => {
    const message = refusal({ ...PRODUCTION, ZOOM_REDIRECT_URI: 'https://app.example.com/zoom/callback' });
    expect(message).toBe(
      'ZOOM_REDIRECT_URI: expected a URL whose path is /api/zoom/oauth/user-callback (the callback route this service serves), got path "/zoom/callback"',
    );
  });

  it('a redirect URI on the callback route is accepted', () => {
    expect(loadConfig(PRODUCTION).zoom.redirectUri).toBe(PRODUCTION.ZOOM_REDIRECT_URI);
  });

  it('a DATABASE_URL that is not postgres:// is refused without echoing it', () => {
    const message = refusal({ ...PRODUCTION, DATABASE_URL: 'mysql://zc:hunter2@db.example.com/zc' });
    expect(message).toBe('DATABASE_URL: expected a postgres:// or postgresql:// URL, got a mysql: URL');
    expect(message).not.toContain('hunter2');
  });

  it('a postgres:// DATABASE_URL is accepted', () => {
    expect(loadConfig({ ...PRODUCTION, DATABASE_URL: 'postgres://db/zc' }).databaseUrl).toBe('postgres://db/zc');
  });

  it('production without DATABASE_URL is refused: the embedded database serves one process', () => {
    const { DATABASE_URL: _omitted, ...withoutDatabase } = PRODUCTION;
    const message = refusal(withoutDatabase);
    expect(message).toMatch(/^DATABASE_URL: required in production/);
  });

  it('production without DATABASE_URL is accepted when an embedding host passes its own pg.Pool', () => {
    const { DATABASE_URL: _omitted, APP_JWT_SECRET: _unused, ...withoutDatabase } = PRODUCTION;
    expect(loadEmbeddedConfig(undefined, withoutDatabase, true).databaseUrl).toBeUndefined();
    expect(() => loadEmbeddedConfig(undefined, withoutDatabase, false)).toThrow(/DATABASE_URL: required in production/);
  });

  it('a PORT that is not a number names the variable once and what was expected', () => {
    const message = refusal({ PORT: 'abc' });
    expect(message).toBe('PORT: expected a whole number, got "abc"');
    expect(message).not.toMatch(/NaN/);
  });

  it('a PORT out of range says the range bound it broke', () => {
    expect(refusal({ PORT: '70000' })).toBe('PORT: expected a number of at most 65535, got "70000"');
    expect(refusal({ PORT: '1.5' })).toBe('PORT: expected a whole number, got "1.5"');
  });

  it('a URL variable that is not a URL names the variable once', () => {
    const message = refusal({ ...PRODUCTION, ZOOM_OAUTH_BASE_URL: 'zoom.us' });
    expect(message).toBe('ZOOM_OAUTH_BASE_URL: must be an absolute http(s) URL');
    expect(occurrences(message, 'ZOOM_OAUTH_BASE_URL')).toBe(1);
  });

  it('an unknown log level lists the levels expected', () => {
    expect(refusal({ LOG_LEVEL: 'loud' })).toBe('LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent');
  });
});

describe('OPS_PORT', () => {
  it('a port that is not a number, nor "off", is refused', () => {
    expect(refusal({ OPS_PORT: 'metrics' })).toBe('OPS_PORT: expected a port number from 0 to 65535, or "off", got "metrics"');
  });

  it('the API\'s own port is refused', () => {
    expect(refusal({ PORT: '4000', OPS_PORT: '4000' })).toMatch(/^OPS_PORT: expected a port other than PORT \(4000\)/);
  });

  it('"off", "none", a port, or nothing are accepted', () => {
    expect(loadConfig({ OPS_PORT: 'off' }).opsPort).toBe('off');
    expect(loadConfig({ OPS_PORT: 'none' }).opsPort).toBe('off');
    expect(loadConfig({ OPS_PORT: '9464' }).opsPort).toBe(9464);
    expect(loadConfig({}).opsPort).toBe('main');
  });
});
