/**
 * Settings that parse but can never work, refused at start-up instead of
 * failing later (a callback Zoom can never reach, a second process on an
 * embedded database), and the wording of every schema refusal: each problem
 * names its variable once and says what was expected.
 */

/** The one path the callback route is served on; a standalone ZOOM_REDIRECT_URI must point at it. */
export const CALLBACK_PATH = '/api/zoom/oauth/user-callback';

/** The parsed values the refusals look at (names as in the environment). */
export interface RefusalInput {
  NODE_ENV: string;
  DATABASE_URL?: string;
  ZOOM_REDIRECT_URI?: string;
}

/** Problems with settings the schema accepted but the service cannot run with; empty when none. */
export function refusals(env: RefusalInput, options: { hostPool?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (env.ZOOM_REDIRECT_URI !== undefined) {
    const path = new URL(env.ZOOM_REDIRECT_URI).pathname;
    if (path !== CALLBACK_PATH) {
      problems.push(`ZOOM_REDIRECT_URI: expected a URL whose path is ${CALLBACK_PATH} (the callback route this service serves), got path "${path}"`);
    }
  }
  if (env.DATABASE_URL !== undefined && !/^postgres(?:ql)?:\/\//i.test(env.DATABASE_URL)) {
    // The value itself may hold a password: only its scheme is echoed.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(env.DATABASE_URL)?.[1];
    problems.push(`DATABASE_URL: expected a postgres:// or postgresql:// URL, got ${scheme ? `a ${scheme}: URL` : 'no URL scheme'}`);
  }
  // An embedding host that hands us its own pg.Pool has its database already.
  if (env.NODE_ENV === 'production' && env.DATABASE_URL === undefined && !options.hostPool) {
    problems.push('DATABASE_URL: required in production (the embedded database without it serves one process only and is not backed up)');
  }
  return problems;
}

/** The part of a schema issue a message is built from (zod's issues fit). */
export interface SchemaIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: unknown;
  origin?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  values?: unknown[];
}

/**
 * One line per bad variable: `NAME: expected ..., got ...`. The raw value is
 * echoed only where a number was expected (never a secret); zod's own
 * wording ("expected number, received NaN") tells an operator nothing.
 */
export function describeIssue(issue: SchemaIssue, env: NodeJS.ProcessEnv): string {
  const name = issue.path.map(String).join('.') || 'environment';
  const raw = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'number' || issue.expected === 'int') return `${name}: expected a whole number, got ${quote(raw)}`;
      break;
    case 'too_small':
      if (issue.origin === 'number') return `${name}: expected a number of at least ${String(issue.minimum)}, got ${quote(raw)}`;
      if (issue.origin === 'string') return `${name}: expected a non-empty value`;
      break;
    case 'too_big':
      if (issue.origin === 'number') return `${name}: expected a number of at most ${String(issue.maximum)}, got ${quote(raw)}`;
      break;
    case 'invalid_value':
      if (issue.values) return `${name}: expected one of ${issue.values.map(String).join(', ')}`;
      break;
    default:
      break;
  }
  // Custom checks word their message as "NAME must ...": keep the name once.
  const message = issue.message.startsWith(`${name} `) ? issue.message.slice(name.length + 1) : issue.message;
  return `${name}: ${message}`;
}

function quote(raw: string | undefined): string {
  if (raw === undefined) return 'nothing';
  const trimmed = raw.trim();
  return `"${trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed}"`;
}
