import { describe, expect, it } from 'vitest';
import { loadConfig, parseEncryptionKeys } from '../../src/config/config.js';
import { configProblems, PRODUCTION_ENV, TEST_KEY } from '../helpers/config-fixtures.js';

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
    const config = loadConfig(PRODUCTION_ENV);
    expect(config.demo).toBe(false);
    expect(config.zoom.oauthBaseUrl).toBe('https://zoom.us');
    expect(config.zoom.apiBaseUrl).toBe('https://api.zoom.us/v2');
    expect(config.encryptionKeys[0]?.kid).toBe('k1');
  });

  it.each(Object.keys(PRODUCTION_ENV).filter((k) => k !== 'NODE_ENV'))('production without %s stops start-up naming it', (name) => {
    const env: Record<string, string> = { ...PRODUCTION_ENV };
    delete env[name];
    const problems = configProblems(env);
    expect(problems.some((p) => p.includes(name) || (name === 'APP_JWT_SECRET' && p.includes('APP_JWT_SECRET or APP_JWKS_URL')))).toBe(true);
  });

  it('an invalid value names the variable and what was expected', () => {
    expect(configProblems({ PORT: 'eighty' }).join('\n')).toMatch(/PORT/);
    expect(configProblems({ ...PRODUCTION_ENV, ZOOM_REDIRECT_URI: 'not a url' }).join('\n')).toMatch(/ZOOM_REDIRECT_URI.*absolute http\(s\) URL/);
  });

  it('a malformed key is refused without echoing the key material', () => {
    const bad = `k1:${Buffer.alloc(16, 9).toString('base64')}`;
    const problems = configProblems({ ...PRODUCTION_ENV, TOKEN_ENCRYPTION_KEYS: bad });
    expect(problems.join('\n')).toMatch(/exactly 32 bytes, got 16/);
    expect(problems.join('\n')).not.toContain(Buffer.alloc(16, 9).toString('base64'));
  });

  it('several keys parse with the first as current and duplicates refused', () => {
    const two = parseEncryptionKeys(`new:${TEST_KEY}, old:${TEST_KEY}`);
    expect(two.keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(parseEncryptionKeys(`a:${TEST_KEY},a:${TEST_KEY}`).problems[0]).toMatch(/appears twice/);
  });

  it('a short HS256 app secret is refused', () => {
    expect(configProblems({ ...PRODUCTION_ENV, APP_JWT_SECRET: 'short' }).join('\n')).toMatch(/at least 32 bytes/);
  });
});
