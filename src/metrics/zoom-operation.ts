/**
 * A Zoom request's operation as a bounded label: the path shape and method,
 * never an id from the path (user ids and meeting ids would make a series
 * per user). Unknown shapes count as `other`.
 */
export function zoomOperation(method: string, url: string, body: string | undefined): string {
  let path: string;
  try {
    path = new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return 'other';
  }
  if (path.endsWith('/oauth/token')) return `oauth.token.${grantType(body)}`;
  if (path.endsWith('/oauth/revoke')) return 'oauth.revoke';
  if (/\/users\/me$/.test(path)) return 'users.me';
  if (/\/users\/[^/]+\/meetings$/.test(path)) return method === 'POST' ? 'meetings.create' : 'meetings.list';
  if (/\/users\/[^/]+\/recordings$/.test(path)) return 'recordings.list';
  if (/\/meetings\/[^/]+$/.test(path)) {
    if (method === 'PATCH') return 'meetings.update';
    if (method === 'DELETE') return 'meetings.delete';
    return 'meetings.get';
  }
  if (/\/users\/[^/]+$/.test(path)) return 'users.get';
  return 'other';
}

const GRANT_TYPES = new Set(['refresh_token', 'authorization_code', 'account_credentials', 'client_credentials']);

function grantType(body: string | undefined): string {
  const grant = body === undefined ? null : new URLSearchParams(body).get('grant_type');
  return grant !== null && GRANT_TYPES.has(grant) ? grant : 'other';
}
