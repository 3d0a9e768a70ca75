import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { connect, expectProblem, MEETINGS, PROFILE, RECORDINGS, REFRESH, REVOKE, STATUS, uniqueUser } from '../helpers/http-client.js';
import { deauthorizationEvent, deliver, signedDelivery } from '../helpers/zoom-webhook.js';
import { useStack, TEST_CLIENT_ID, TEST_JWT_SECRET, TEST_WEBHOOK_SECRET } from '../helpers/stack.js';

/**
 * Input the database would refuse (a NUL byte) or that has no business in an
 * id (control characters) is bad input: a 4xx at the edge, never a 503 with
 * an error logged. And nothing one user sees is ever kept by a cache.
 */

const fx = useStack({ rateLimit: false });

async function jwtFor(sub: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

describe('control characters in identifiers', () => {
  it('a JWT whose sub holds a NUL byte is refused 401, and no error is logged', async () => {
    const logsBefore = fx.stack.logs.length;
    const reply = await fx.client.get(STATUS, { jwt: await jwtFor('user\u0000one') });
    expectProblem(reply, 401, 'unauthenticated');
    expect(reply.body.detail).toMatch(/control characters/);
    expect(fx.stack.logs.slice(logsBefore).filter((l) => l.includes('"level":50'))).toEqual([]);
  });

  it('a JWT whose sub holds a newline is refused 401', async () => {
    expectProblem(await fx.client.get(STATUS, { jwt: await jwtFor('user\nforged log line') }), 401, 'unauthenticated');
  });

  it('a signed app_deauthorized whose user_id holds a NUL byte is refused 400 naming the field', async () => {
    const logsBefore = fx.stack.logs.length;
    const body = deauthorizationEvent({ zoomUserId: 'zoom\u0000user', clientId: TEST_CLIENT_ID });
    const res = await deliver(fx.stack.baseUrl, signedDelivery(body, TEST_WEBHOOK_SECRET));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text) as Record<string, unknown>).toMatchObject({ code: 'validation_failed', errors: [{ field: 'payload.user_id' }] });
    expect(fx.stack.logs.slice(logsBefore).filter((l) => l.includes('"level":50'))).toEqual([]);
  });
});

describe('answers for one user are never cached', () => {
  it('status, profile, meetings, recordings, create, refresh and revoke all send Cache-Control: no-store', async () => {
    const { userId, zoomEmail } = uniqueUser('no-store');
    const { jwt } = await connect(fx.client, fx.stack, userId, zoomEmail);
    const replies = [
      await fx.client.get(STATUS, { jwt }),
      await fx.client.get(PROFILE, { jwt }),
      await fx.client.get(MEETINGS, { jwt }),
      await fx.client.get(RECORDINGS, { jwt }),
      await fx.client.post(MEETINGS, { jwt, json: { topic: 'Checkup', start_time: '2030-01-02T10:00:00Z', duration: 30 } }),
      await fx.client.post(REFRESH, { jwt }),
      await fx.client.post(REVOKE, { jwt }),
    ];
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 201, 200, 200]);
    expect(replies.map((r) => r.headers.get('cache-control'))).toEqual(Array(7).fill('no-store'));
  });

  it('an error answer for a user is not cached either', async () => {
    const reply = await fx.client.get(PROFILE, { jwt: await fx.stack.signIn(uniqueUser('no-store-err').userId) });
    expectProblem(reply, 409, 'not_connected');
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });
});
