import { pino, type Logger } from 'pino';

/**
 * Every path under which a secret could reach a log line. Redaction is the
 * second line of defence: code should never log these in the first place.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.client_secret',
  '*.clientSecret',
  '*.code',
  '*.code_verifier',
  '*.codeVerifier',
  '*.password',
  '*.token',
  '*.secret',
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'zoom-connect' },
    },
    destination ?? process.stdout,
  );
}

export type { Logger };
