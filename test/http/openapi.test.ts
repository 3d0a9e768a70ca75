import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack.js';

/**
 * /openapi.json is something an integrator generates a client from: a valid
 * OpenAPI 3.1 document (checked against the official schema by a validator
 * we did not write), an operationId on every operation, and every error
 * answer as application/problem+json with the one shared Problem schema.
 */

interface Operation {
  operationId?: string;
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

let stack: TestStack;
let spec: { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };

beforeAll(async () => {
  stack = await startStack({ rateLimit: false });
  const res = await fetch(`${stack.baseUrl}/openapi.json`);
  spec = (await res.json()) as typeof spec;
});

afterAll(async () => {
  await stack?.close();
});

function operations(): Array<{ where: string; op: Operation }> {
  return Object.entries(spec.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op })));
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(spec);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('gives every operation a unique operationId', () => {
    const ops = operations();
    expect(ops.filter((o) => !o.op.operationId).map((o) => o.where)).toEqual([]);
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes every error answer as problem+json with the shared Problem schema', () => {
    expect(spec.components?.schemas).toHaveProperty('Problem');
    const wrong = operations().flatMap(({ where, op }) =>
      Object.entries(op.responses ?? {})
        .filter(([status]) => Number(status) >= 400)
        .filter(([, r]) => r.content?.['application/problem+json']?.schema?.$ref !== '#/components/schemas/Problem')
        .map(([status]) => `${where} ${status}`),
    );
    expect(wrong).toEqual([]);
  });

  it('lists the health routes and the callback\'s 303 redirect', () => {
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
    expect(spec.paths['/api/zoom/oauth/user-callback']?.get?.responses).toHaveProperty('303');
    expect(spec.paths['/api/zoom/webhooks']?.post?.responses).toHaveProperty('204');
  });
});
