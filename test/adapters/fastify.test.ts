import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoomConnect } from '../../src/http/plugin.js';
import { startEmbeddedCore, type EmbeddedCore } from '../helpers/embedded.js';
import { Browser, consent } from '../helpers/flow.js';

describe('Fastify plugin embedded in a host app', () => {
  let env: EmbeddedCore;
  let host: FastifyInstance;

  beforeAll(async () => {
    env = await startEmbeddedCore();
    host = Fastify();
    host.setErrorHandler((_err, _req, reply) => reply.code(418).send({ host: 'error handler' }));
    host.get('/host/boom', () => {
      throw new Error('host failure');
    });
    await host.register(
      zoomConnect,
      env.core.pluginOptions((request) => {
        const user = request.headers['x-host-user'];
        return typeof user === 'string' ? user : null;
      }, { rateLimit: false }),
    );
    await host.listen({ port: env.port, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await host?.close();
    await env?.close();
  });

  it('the host\'s own authentication identifies the user who connects Zoom', async () => {
    const browser = new Browser();
    const headers = { 'x-host-user': 'dana' };
    const begin = await browser.fetch(`${env.baseUrl}/api/zoom/oauth/user/authorize`, { headers });
    const { authorizationUrl } = (await begin.json()) as { authorizationUrl: string };
    const callback = await browser.fetch(await consent(authorizationUrl, 'ava.thompson@example.com'));
    expect(callback.headers.get('location')).toContain('zoom=connected');
    const status = await browser.fetch(`${env.baseUrl}/api/zoom/oauth/user/status`, { headers });
    expect(((await status.json()) as { status: string }).status).toBe('active');
  });

  it('the plugin\'s error handling stays inside its routes and leaves the host\'s alone', async () => {
    const ours = await fetch(`${env.baseUrl}/api/zoom/oauth/user/status`);
    expect(ours.status).toBe(401);
    expect(ours.headers.get('content-type')).toContain('application/problem+json');
    const theirs = await fetch(`${env.baseUrl}/host/boom`);
    expect(theirs.status).toBe(418);
  });
});
