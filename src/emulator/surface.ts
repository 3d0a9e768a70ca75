/**
 * The emulator stands in for three Zoom front doors that fail differently: the
 * browser-facing consent page (HTML), the OAuth server (`{reason, error}`) and
 * the REST API (`{code, message}`, which the control API borrows). Every error
 * path picks its shape from here, so a failure never answers in another
 * door's dialect.
 */
export type Surface = 'consent' | 'oauth' | 'api';

export function surfaceOf(url: string): Surface {
  if (url.startsWith('/oauth/authorize')) return 'consent';
  if (url.startsWith('/oauth/')) return 'oauth';
  return 'api';
}
