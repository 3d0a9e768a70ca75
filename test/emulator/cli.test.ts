import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runEmulatorCli } from '../../src/emulator/index.js';

const REQUIRED = ['--client-id', 'cid', '--client-secret', 'secret', '--redirect-uri', 'http://localhost:3000/cb'];

describe('zoom-connect emulator (CLI)', () => {
  it.each([
    ['a missing client id', ['--client-secret', 's', '--redirect-uri', 'http://localhost/cb']],
    ['a missing redirect URI', ['--client-id', 'c', '--client-secret', 's']],
    ['a non-numeric port', [...REQUIRED, '--port', 'abc']],
    ['an unknown flag', [...REQUIRED, '--colour', 'blue']],
    ['a webhook URL without its secret', [...REQUIRED, '--webhook-url', 'http://localhost:9/hook']],
    ['a malformed redirect URI', ['--client-id', 'c', '--client-secret', 's', '--redirect-uri', 'not a url']],
    ['a zero access-token TTL', [...REQUIRED, '--access-token-ttl', '0']],
  ])('exits with 2 on %s', async (_name, argv) => {
    expect(await runEmulatorCli(argv)).toBe(2);
  });

  it('starts, prints its URL once, serves, and exits 0 on SIGTERM', async () => {
    const script = `import('${new URL('../../src/emulator/index.ts', import.meta.url).href}').then((m) => m.runEmulatorCli(process.argv.slice(1))).then((code) => process.exit(code))`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, 'emulator', '--port', '0', ...REQUIRED, '--redirect-uri', 'http://localhost:3000/cb2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`CLI exited early with ${String(code)}`)));
    });
    const authorize = await fetch(`${url}/oauth/authorize?response_type=code&client_id=cid&redirect_uri=${encodeURIComponent('http://localhost:3000/cb2')}`);
    expect(authorize.status).toBe(200);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(stdout.match(/listening on/g)).toHaveLength(1);
  });
});
