import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const stacks: TestStack[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});

async function stackWith(env: Record<string, string>): Promise<TestStack> {
  const stack = await startStack({ db: 'postgres', env });
  stacks.push(stack);
  return stack;
}

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

describe('OPS_PORT', () => {
  it('unset: /metrics, /docs and /openapi.json answer beside the API', async () => {
    const stack = await stackWith({});
    expect(await status(`${stack.baseUrl}/metrics`)).toBe(200);
    expect(await status(`${stack.baseUrl}/openapi.json`)).toBe(200);
    expect(await status(`${stack.baseUrl}/docs/`)).toBe(200);
    expect(stack.service.opsUrl).toBeUndefined();
  });

  it('a port: they move there, the API port answers 404, health stays on the API port', async () => {
    const opsPort = await freePort();
    const stack = await stackWith({ OPS_PORT: String(opsPort) });
    const ops = `http://127.0.0.1:${opsPort}`;
    expect(stack.service.opsUrl).toBe(ops);
    const metrics = await fetch(`${ops}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE zoom_connect_token_refreshes_total counter');
    const document = (await (await fetch(`${ops}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain('/api/zoom/oauth/user/status');
    expect(await status(`${ops}/docs/`)).toBe(200);
    for (const path of ['/metrics', '/openapi.json', '/docs/']) expect(await status(`${stack.baseUrl}${path}`)).toBe(404);
    expect(await status(`${stack.baseUrl}/readyz`)).toBe(200);
  });

  it('off: none of them is served anywhere', async () => {
    const stack = await stackWith({ OPS_PORT: 'off' });
    for (const path of ['/metrics', '/openapi.json', '/docs/']) expect(await status(`${stack.baseUrl}${path}`)).toBe(404);
    expect(stack.service.opsUrl).toBeUndefined();
    expect(await status(`${stack.baseUrl}/healthz`)).toBe(200);
  });
});
