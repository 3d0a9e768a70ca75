import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoomConnect } from '../../src/http/plugin.js';
import { startEmbeddedCore, type EmbeddedCore } from '../helpers/embedded.js';
import { Browser, consent } from '../helpers/flow.js';
import { uniqueUser } from '../helpers/http-client.js';

/**
 * A host with a `request.cookies` of its own that is not @fastify/cookie's:
 * it holds only the cookies the host knows. The plugin reads and writes its
 * binding cookie itself, so the flow neither needs nor disturbs the host's parser.
 */

let env: EmbeddedCore;
let host: FastifyInstance;

/** The host's own parser: its session cookie, nothing else. */
function hostSessionOf(request: FastifyRequest): string | null {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [name, value] = pair.trim().split('=');
    if (name === 'host_session' && value) return value;
  }
  return null;
}

beforeAll(async () => {
  env = await startEmbeddedCore();
  host = Fastify();
  // Its `cookies` holds the cookies it knows, and so never the plugin's.
  host.decorateRequest('cookies', { getter: () => ({}) });
  await host.register(zoomConnect, env.core.pluginOptions(hostSessionOf, { rateLimit: false }));
  await host.listen({ port: env.port, host: '127.0.0.1' });
});

afterAll(async () => {
  await host?.close();
  await env?.close();
});

describe('a host with a cookie parser of its own', () => {
  it('connects a user: the binding cookie is set and read back without the host parsing it', async () => {
    const { userId, zoomEmail } = uniqueUser('own-parser');
    const browser = new Browser();
    browser.cookies.set('host_session', userId);
    const begin = await browser.fetch(`${env.baseUrl}/api/zoom/oauth/user/authorize`);
    expect(begin.status).toBe(200);
    expect(browser.cookies.has('zoom_connect_binding')).toBe(true);
    const callbackUrl = await consent(((await begin.json()) as { authorizationUrl: string }).authorizationUrl, zoomEmail);
    const callback = await browser.fetch(callbackUrl);
    expect(callback.headers.get('location')).toContain('zoom=connected');
    expect((await env.core.connections.status(userId)).status).toBe('active');
  });
});
