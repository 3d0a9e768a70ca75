import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseEncryptionKeys } from '../../src/config/config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const PRODUCTION = {
  NODE_ENV: 'production',
  ZOOM_USER_MANAGED_CLIENT_ID: 'id',
  ZOOM_USER_MANAGED_CLIENT_SECRET: 'secret',
  ZOOM_REDIRECT_URI: 'https://app.example.com/api/zoom/oauth/user-callback',
  ZOOM_WEBHOOK_SECRET_TOKEN: 'whsec',
  TOKEN_ENCRYPTION_KEYS: `k1:${KEY}`,
  APP_JWT_SECRET: 'x'.repeat(32),
  POST_CONNECT_REDIRECT_URL: 'https://app.example.com/settings',
  DATABASE_URL: 'postgres://zc@db.example.com/zoom_connect',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('an empty environment outside production is demo mode pointing at the local emulator', () => {
    const config = loadConfig({});
    expect(config.demo).toBe(true);
    expect(config.port).toBe(4000);
    expect(config.zoom.oauthBaseUrl).toBe('http://127.0.0.1:4010');
    expect(config.zoom.apiBaseUrl).toBe('http://127.0.0.1:4010/v2');
    expect(config.zoom.redirectUri).toBe('http://localhost:4000/api/zoom/oauth/user-callback');
  });

  it('a complete production environment parses with Zoom\'s real hosts by default', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.demo).toBe(false);
    expect(config.zoom.oauthBaseUrl).toBe('https://zoom.us');
    expect(config.zoom.apiBaseUrl).toBe('https://api.zoom.us/v2');
    expect(config.encryptionKeys[0]?.kid).toBe('k1');
  });

  it.each(Object.keys(PRODUCTION).filter((k) => k !== 'NODE_ENV'))('production without %s stops start-up naming it', (name) => {
    const env: Record<string, string> = { ...PRODUCTION };
    delete env[name];
    const problems = problemsOf(env);
    expect(problems.some((p) => p.includes(name) || (name === 'APP_JWT_SECRET' && p.includes('APP_JWT_SECRET or APP_JWKS_URL')))).toBe(true);
  });

  it('an invalid value names the variable and what was expected', () => {
    expect(problemsOf({ PORT: 'eighty' }).join('\n')).toMatch(/PORT/);
    expect(problemsOf({ ...PRODUCTION, ZOOM_REDIRECT_URI: 'not a url' }).join('\n')).toMatch(/ZOOM_REDIRECT_URI.*absolute http\(s\) URL/);
  });

  it('a malformed key is refused without echoing the key material', () => {
    const bad = `k1:${Buffer.alloc(16, 9).toString('base64')}`;
    const problems = problemsOf({ ...PRODUCTION, TOKEN_ENCRYPTION_KEYS: bad });
    expect(problems.join('\n')).toMatch(/exactly 32 bytes, got 16/);
    expect(problems.join('\n')).not.toContain(Buffer.alloc(16, 9).toString('base64'));
  });

  it('several keys parse with the first as current and duplicates refused', () => {
    const two = parseEncryptionKeys(`new:${KEY}, old:${KEY}`);
    expect(two.keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(parseEncryptionKeys(`a:${KEY},a:${KEY}`).problems[0]).toMatch(/appears twice/);
  });

  it('a short HS256 app secret is refused', () => {
    expect(problemsOf({ ...PRODUCTION, APP_JWT_SECRET: 'short' }).join('\n')).toMatch(/at least 32 bytes/);
  });
});
