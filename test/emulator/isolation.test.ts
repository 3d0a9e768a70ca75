import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md: the emulator shares no code with src/zoom/ (or anything else in
 * the project), so a misreading of Zoom cannot hide on both sides of the wire.
 * Only Node's built-ins and declared npm packages may come from outside.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EMULATOR_DIR = path.join(ROOT, 'src', 'emulator');

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const declaredPackages = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.[cm]?[jt]sx?$/.test(entry.name) ? [full] : [];
  });
}

/** Every module a file names: static and type-only imports, re-exports, `import()`, `require()`, triple-slash references. */
function specifiersIn(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return [...info.importedFiles, ...info.referencedFiles].map((ref) => ref.fileName);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Why a specifier in `fromFile` reaches outside the emulator, or undefined when it does not. */
function escapeReason(specifier: string, fromFile: string): string | undefined {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) {
    const target = path.resolve(path.dirname(fromFile), specifier.startsWith('file:') ? fileURLToPath(specifier) : specifier);
    const relative = path.relative(EMULATOR_DIR, target);
    return relative.startsWith('..') || path.isAbsolute(relative) ? `resolves to ${path.relative(ROOT, target)}` : undefined;
  }
  // Subpath imports and the package's own name both resolve back into this project.
  if (specifier.startsWith('#')) return 'is a package.json subpath import into the project';
  const name = packageName(specifier);
  if (name === manifest.name) return 'imports the project itself by its package name';
  return declaredPackages.has(name) ? undefined : 'is neither a Node built-in nor a declared npm package';
}

function violations(file: string, source: string): string[] {
  return specifiersIn(source).flatMap((specifier) => {
    const reason = escapeReason(specifier, file);
    return reason === undefined ? [] : [`${path.relative(ROOT, file)}: "${specifier}" ${reason}`];
  });
}

describe('the emulator is self-contained', () => {
  it('no file under src/emulator imports anything outside it but Node built-ins and npm packages', () => {
    const files = sourceFiles(EMULATOR_DIR);
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap((file) => violations(file, readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('the scan catches every way of reaching outside, and lets the allowed ones through', () => {
    const file = path.join(EMULATOR_DIR, 'example.ts');
    const source = [
      "import { ZoomOAuthClient } from '../zoom/oauth-client.js';",
      "import type { Config } from '../config/index.js';",
      "export { problem } from '../http/problem.js';",
      "const lazy = await import('../zoom/api-client.js');",
      "import self from 'zoom-connect/express';",
      "import alias from '#zoom/client';",
      "import stray from 'not-a-declared-package';",
      "import { sneaky } from './../zoom/x.js';",
      "import { state } from './state.js';",
      "import { randomBytes } from 'node:crypto';",
      "import { readFile } from 'fs/promises';",
      "import Fastify from 'fastify';",
    ].join('\n');
    const found = violations(file, source).map((line) => line.split('"')[1]);
    expect(found).toEqual([
      '../zoom/oauth-client.js',
      '../config/index.js',
      '../http/problem.js',
      '../zoom/api-client.js',
      'zoom-connect/express',
      '#zoom/client',
      'not-a-declared-package',
      './../zoom/x.js',
    ]);
  });
});
