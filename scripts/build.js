#!/usr/bin/env node
// Compiles src/ to dist/ and, only if that succeeded, stamps dist/ as built
// from the sources as they are now; bin/project.js runs dist/ only while the
// stamp is newer than every source file. `--soft` (npm's `prepare`) never
// fails the install: without a fresh build the CLI runs src/ through tsx.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
  writeTemplate();
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
} else {
  console.error('zoom-connect: the TypeScript build failed; `zoom-connect` will run the sources through tsx instead.');
  if (!soft) process.exitCode = 1;
}

/**
 * The initialized PGlite cluster a new DATA_DIR starts from instead of running
 * initdb (src/store/pglite-driver.ts: about half the first start's memory).
 * In a process of its own: it is a PGlite of its own. Without it a new
 * DATA_DIR runs initdb, as before.
 */
function writeTemplate() {
  const driver = pathToFileURL(join(root, 'dist', 'store', 'pglite-driver.js')).href;
  const made = spawnSync(process.execPath, ['--input-type=module', '-e', `await (await import(${JSON.stringify(driver)})).writePgliteTemplate();`], {
    cwd: root,
    stdio: 'inherit',
  });
  if (made.status !== 0) {
    console.error('zoom-connect: could not initialize the PGlite template; a new DATA_DIR will run initdb (slower, about twice the memory).');
    if (!soft) process.exitCode = 1;
  }
}
