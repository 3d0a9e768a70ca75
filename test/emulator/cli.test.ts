import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
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
    ['an S2S client id without its secret', [...REQUIRED, '--s2s-client-id', 's2s']],
    ['an S2S account id without the S2S app', [...REQUIRED, '--s2s-account-id', 'acct1']],
    ['an S2S account id with a space', [...REQUIRED, '--s2s-client-id', 's2s', '--s2s-client-secret', 'x', '--s2s-account-id', 'a b']],
  ])('exits with 2 on %s', async (_name, argv) => {
    expect(await runEmulatorCli(argv)).toBe(2);
  });

  const script = `import('${new URL('../../src/emulator/index.ts', import.meta.url).href}').then((m) => m.runEmulatorCli(process.argv.slice(1))).then((code) => process.exit(code))`;

  /** Spawns the CLI and resolves once it prints its URL; the caller stops it. */
  async function spawnCli(argv: string[]): Promise<{ child: ChildProcessByStdio<null, Readable, Readable>; url: string; stdout: () => string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, 'emulator', '--port', '0', ...argv], {
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
    return { child, url, stdout: () => stdout };
  }

  async function stop(child: ChildProcessByStdio<null, Readable, Readable>): Promise<number | null> {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  }

  it('starts, prints its URL once, serves, and exits 0 on SIGTERM', async () => {
    const { child, url, stdout } = await spawnCli([...REQUIRED, '--redirect-uri', 'http://localhost:3000/cb2']);
    const authorize = await fetch(`${url}/oauth/authorize?response_type=code&client_id=cid&redirect_uri=${encodeURIComponent('http://localhost:3000/cb2')}`);
    expect(authorize.status).toBe(200);
    expect(await stop(child)).toBe(0);
    expect(stdout().match(/listening on/g)).toHaveLength(1);
  });

  it('--s2s-* flags add a Server-to-Server app whose account holds every user', async () => {
    const { child, url } = await spawnCli([...REQUIRED, '--s2s-client-id', 's2s', '--s2s-client-secret', 's2s-secret', '--s2s-account-id', 'acct_cli']);
    const token = await fetch(`${url}/oauth/token?grant_type=account_credentials&account_id=acct_cli`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('s2s:s2s-secret').toString('base64')}` },
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const user = await fetch(`${url}/v2/users/ava.thompson@example.com`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await user.json()) as { account_id: string }).account_id).toBe('acct_cli');
    expect(await stop(child)).toBe(0);
  });
});
