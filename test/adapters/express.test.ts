import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedCore } from '../helpers/embedded.js';
import { startExpressHost, type ExpressHost } from '../helpers/express-host.js';
import { beginConnect, Browser, consent } from '../helpers/flow.js';

describe('Express adapter', () => {
  let host: ExpressHost;
  let env: EmbeddedCore;

  beforeAll(async () => {
    host = await startExpressHost({
      hostRoutes: (app) => {
        app.use(express.json());
        app.get('/host/hello', (_req, res) => {
          res.json({ host: true });
        });
        app.post('/host/echo', (req, res) => {
          res.json(req.body as unknown);
        });
      },
    });
    env = host.env;
  });

  afterAll(async () => {
    await host?.close();
  });

  it('a host-session user connects Zoom and reads their profile through the mounted router', async () => {
    const browser = new Browser();
    browser.cookies.set('session', 'alice');
    const res = await browser.fetch(`${env.baseUrl}/api/zoom/oauth/user/authorize`);
    expect(res.status).toBe(200);
    const { authorizationUrl } = (await res.json()) as { authorizationUrl: string };
    const callback = await browser.fetch(await consent(authorizationUrl, 'ava.thompson@example.com'));
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toContain('zoom=connected');

    const profile = await browser.fetch(`${env.baseUrl}/api/zoom/oauth/user/profile`);
    expect(profile.status).toBe(200);
    expect(((await profile.json()) as { email: string }).email).toBe('ava.thompson@example.com');
  });

  it('a callback seen under another host-session user is refused and links nothing', async () => {
    const browser = new Browser();
    browser.cookies.set('session', 'carol');
    const flow = await beginConnect(env.baseUrl, browser, 'unused');
    const callbackUrl = await consent(flow.authorizationUrl, 'ava.thompson@example.com');
    browser.cookies.set('session', 'mallory');
    const callback = await browser.fetch(callbackUrl);
    expect(callback.headers.get('location')).toContain('reason=state_user_mismatch');

    const carol = await env.core.connections.status('carol');
    const mallory = await env.core.connections.status('mallory');
    expect([carol.status, mallory.status]).toEqual(['not_connected', 'not_connected']);
  });

  it('requests without a host session get 401 problem+json from the router', async () => {
    const res = await fetch(`${env.baseUrl}/api/zoom/oauth/user/status`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('unauthenticated');
  });

  it('the host app\'s own routes and body parser keep working beside the router', async () => {
    expect(await (await fetch(`${env.baseUrl}/host/hello`)).json()).toEqual({ host: true });
    const echo = await fetch(`${env.baseUrl}/host/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(await echo.json()).toEqual({ a: 1 });
  });
});
