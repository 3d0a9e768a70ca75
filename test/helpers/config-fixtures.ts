/** What the configuration tests start from: a production environment that loads, and a way to read its refusals. */
import { Buffer } from 'node:buffer';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** 32 bytes of key material, as TOKEN_ENCRYPTION_KEYS takes it. */
export const TEST_KEY = Buffer.alloc(32, 7).toString('base64');

/** Every variable production requires, each valid. */
export const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  ZOOM_USER_MANAGED_CLIENT_ID: 'id',
  ZOOM_USER_MANAGED_CLIENT_SECRET: 'secret',
  ZOOM_REDIRECT_URI: 'https://app.example.com/api/zoom/oauth/user-callback',
  ZOOM_WEBHOOK_SECRET_TOKEN: 'whsec',
  TOKEN_ENCRYPTION_KEYS: `k1:${TEST_KEY}`,
  APP_JWT_SECRET: 'x'.repeat(32),
  POST_CONNECT_REDIRECT_URL: 'https://app.example.com/settings',
  DATABASE_URL: 'postgres://zc@db.example.com/zoom_connect',
};

/** The problems loadConfig refuses `env` with; none when it loads. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
