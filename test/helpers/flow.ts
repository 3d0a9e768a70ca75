/**
 * Drives the connect flow over HTTP the way a browser would, with an
 * explicit cookie jar so tests can play two browsers (victim and attacker).
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  /** Sends the request with this browser's cookies and keeps any it sets. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }
}

export interface BegunFlow {
  authorizationUrl: string;
  state: string;
}

/** GET .../authorize as `jwt` in `browser`. */
export async function beginConnect(baseUrl: string, browser: Browser, jwt: string): Promise<BegunFlow> {
  const res = await browser.fetch(`${baseUrl}/api/zoom/oauth/user/authorize`, { headers: { authorization: `Bearer ${jwt}` } });
  if (res.status !== 200) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { authorizationUrl: string };
  const state = new URL(body.authorizationUrl).searchParams.get('state');
  if (!state) throw new Error('authorization URL has no state');
  return { authorizationUrl: body.authorizationUrl, state };
}

/** Submits the emulator's consent form; returns the URL Zoom redirects the browser to (our callback). */
export async function consent(authorizationUrl: string, zoomUser: string, decision: 'allow' | 'deny' = 'allow'): Promise<string> {
  const url = new URL(authorizationUrl);
  const form = new URLSearchParams(url.searchParams);
  form.set('user', zoomUser);
  form.set('decision', decision);
  const res = await fetch(`${url.origin}/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`consent answered ${res.status}: ${await res.text()}`);
  return location;
}

/** The whole flow for one user in a fresh browser; returns the callback response. */
export async function connectUser(baseUrl: string, jwt: string, zoomUser: string, browser = new Browser()): Promise<Response> {
  const flow = await beginConnect(baseUrl, browser, jwt);
  const callback = await consent(flow.authorizationUrl, zoomUser);
  return browser.fetch(callback, { headers: { accept: 'application/json' } });
}

export function bearer(jwt: string): { authorization: string } {
  return { authorization: `Bearer ${jwt}` };
}
