#!/usr/bin/env node
// Compiles src/ to dist/ and, only if that succeeded, stamps dist/ as built
// from the sources as they are now; bin/project.js runs dist/ only while the
// stamp is newer than every source file. `--soft` (npm's `prepare`) never
// fails the install: without a fresh build the CLI runs src/ through tsx.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const soft = process.argv.includes('--soft');
const stamp = join(root, 'dist', '.build-stamp');

rmSync(join(root, 'dist'), { recursive: true, force: true });
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without devDependencies has no compiler: tsx runs the sources.
  console.error('zoom-connect: TypeScript is not installed; skipping the build.');
  process.exit(soft ? 0 : 1);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status === 0) {
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
} else {
  console.error('zoom-connect: the TypeScript build failed; `zoom-connect` will run the sources through tsx instead.');
  if (!soft) process.exitCode = 1;
}
