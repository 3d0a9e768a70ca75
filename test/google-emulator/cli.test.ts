import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGoogleEmulatorCli } from '../../src/google-emulator/index.js';

describe('zoom-connect google-emulator (CLI)', () => {
  it.each([
    ['a missing --service-account-out', ['--port', '0']],
    ['a non-numeric port', ['--port', 'abc', '--service-account-out', '/tmp/x.json']],
    ['a port above 65535', ['--port', '70000', '--service-account-out', '/tmp/x.json']],
    ['a domain that is not one', ['--service-account-out', '/tmp/x.json', '--domain', 'not a domain']],
    ['an unknown flag', ['--service-account-out', '/tmp/x.json', '--colour', 'blue']],
  ])('exits with 2 on %s', async (_name, argv) => {
    expect(await runGoogleEmulatorCli(argv)).toBe(2);
  });

  it('writes a private key file pointing at itself, serves tokens for its domain, and exits 0 on SIGTERM', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'google-emulator-')), 'sa.json');
    const cli = new URL('../../bin/zoom-connect.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [cli, 'google-emulator', '--port', '0', '--service-account-out', out, '--domain', 'acme.test'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match?.[1] && stdout.includes('acme.test')) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`CLI exited early with ${String(code)}`)));
    });
    const key = JSON.parse(await readFile(out, 'utf8')) as { token_uri: string; private_key: string };
    expect(key.token_uri).toBe(`${url}/token`);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(stdout).not.toContain(key.private_key.split('\n')[1] ?? 'PRIVATE');
    const bad = await fetch(key.token_uri, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
    expect(bad.status).toBe(400);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });
});
