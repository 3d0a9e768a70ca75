// Loads a module of the project: the compiled JavaScript in dist/ when it was
// built from the sources as they are now (no tsx loader thread: less memory,
// faster start), otherwise the TypeScript in src/ through tsx. So the CLI
// works right after `npm install`, and an edited source is never shadowed by
// a stale build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');

let fromDist;
let tsxRegistered;

/** `relative` is a path under src/ without extension, such as `cli/main`. */
export async function importProject(relative) {
  fromDist ??= process.env.ZOOM_CONNECT_FROM_SOURCE !== '1' && isBuildFresh(ROOT);
  if (fromDist) return import(pathToFileURL(join(DIST, `${relative}.js`)).href);
  tsxRegistered ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  await tsxRegistered;
  return import(pathToFileURL(join(SRC, `${relative}.ts`)).href);
}

/** Whether `root`/dist was stamped by a successful build after every file under `root`/src last changed. */
export function isBuildFresh(root) {
  let built;
  try {
    built = statSync(join(root, 'dist', '.build-stamp')).mtimeMs;
  } catch {
    return false;
  }
  // The installed package ships dist/ without src/: nothing can be newer than its build.
  if (!existsSync(join(root, 'src'))) return true;
  return newestSource(join(root, 'src')) < built;
}

function newestSource(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}
