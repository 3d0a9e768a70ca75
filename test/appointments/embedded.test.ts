import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExpressHost, type ExpressHost } from '../helpers/express-host.js';
import { booking } from './helpers.js';

describe('appointment meetings on the embedded (Express) API', () => {
  let host: ExpressHost;
  beforeAll(async () => {
    host = await startExpressHost();
  }, 60_000);
  afterAll(async () => host?.close());

  it('the same routes answer there, and providers without credentials say not_configured', async () => {
    const url = `${host.env.baseUrl}/api/appointments/embedded-1/meeting`;
    const headers = { cookie: 'session=embedded-host' };
    const put = await fetch(url, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(booking()) });
    expect(put.status).toBe(409);
    expect(put.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await put.json()).toMatchObject({
      code: 'no_meeting_provider',
      reasons: [
        { provider: 'zoom_user', reason: 'not_connected' },
        { provider: 'zoom_account', reason: 'not_configured' },
        { provider: 'google_meet', reason: 'not_configured' },
      ],
    });
    expect((await fetch(url, { headers })).status).toBe(404);
    expect((await fetch(url, { method: 'DELETE', headers })).status).toBe(204);
    expect((await fetch(url)).status).toBe(401);
  });
});
