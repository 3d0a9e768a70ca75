import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connectUser } from '../helpers/flow.js';
import { startStack, type TestStack } from '../helpers/stack.js';

describe('test stack', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a user who completes the connect flow can read their Zoom profile', async () => {
    const jwt = await stack.signIn('smoke-user');
    const callback = await connectUser(stack.baseUrl, jwt, 'ava.thompson@example.com');
    expect(callback.status).toBe(200);
    const profile = await fetch(`${stack.baseUrl}/api/zoom/oauth/user/profile`, { headers: bearer(jwt) });
    expect(profile.status).toBe(200);
    expect(((await profile.json()) as { email: string }).email).toBe('ava.thompson@example.com');
  });
});
