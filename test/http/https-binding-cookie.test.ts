import { describe, expect, it } from 'vitest';
import { approve, begin, clientOverride, uniqueUser } from '../helpers/http-client.js';
import { useStack } from '../helpers/stack.js';

/**
 * Configured for https (ZOOM_REDIRECT_URI https://...), the binding cookie
 * is `__Host-` prefixed: Secure, Path=/, no Domain, so a sibling subdomain
 * cannot plant one (DESIGN, token lifecycle). TLS itself is the proxy's job:
 * the service is reached over http here, and the cookie is what it sets.
 */

const PUBLIC_ORIGIN = 'https://app.example.test';
const HTTPS_REDIRECT_URI = `${PUBLIC_ORIGIN}/api/zoom/oauth/user-callback`;

const fx = useStack({
    rateLimit: false,
    env: { ZOOM_REDIRECT_URI: HTTPS_REDIRECT_URI },
    emulator: { clients: [clientOverride({ redirectUris: [HTTPS_REDIRECT_URI] })] },
  });

describe('over https', () => {
  it('authorize sets the binding cookie as __Host-: HttpOnly, Secure, Path=/, SameSite=Lax, no Domain', async () => {
    const { reply } = await begin(fx.client, fx.stack, uniqueUser('https-cookie').userId);
    const cookies = reply.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const [pair, ...attributes] = (cookies[0] ?? '').split(';').map((s) => s.trim());
    expect(pair).toMatch(/^__Host-zoom_connect_binding=[A-Za-z0-9_-]{43}$/);
    const attrs = attributes.map((a) => a.toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['httponly', 'secure', 'path=/', 'samesite=lax', 'max-age=600']) as string[]);
    expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
  });

  it('the callback finds the __Host- cookie and connects', async () => {
    const { userId, zoomEmail } = uniqueUser('https-callback');
    const begun = await begin(fx.client, fx.stack, userId);
    const { callbackUrl } = await approve(begun.authorizationUrl, zoomEmail);
    expect(callbackUrl.startsWith(`${HTTPS_REDIRECT_URI}?`)).toBe(true);
    // The TLS-terminating proxy's hop, played by hand: same path and query, to the service itself.
    const behindProxy = callbackUrl.replace(PUBLIC_ORIGIN, fx.stack.baseUrl);
    const reply = await fx.client.get(behindProxy, { browser: begun.browser, headers: { accept: 'application/json' } });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ connected: true, status: 'active' });
  });
});
