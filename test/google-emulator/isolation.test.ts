import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The Google emulator shares no code with src/google/ (or anything else in the
 * project), and the client none with the emulator, so a misreading of Google
 * cannot hide on both sides of the wire. Only Node built-ins and declared npm
 * packages may come from outside the emulator.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EMULATOR_DIR = path.join(ROOT, 'src', 'google-emulator');
const CLIENT_DIR = path.join(ROOT, 'src', 'google');

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.[cm]?[jt]sx?$/.test(entry.name) ? [full] : [];
  });
}

/** Static and type-only imports, re-exports, `import()`, `require()`, triple-slash references. */
function specifiersIn(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return [...info.importedFiles, ...info.referencedFiles].map((ref) => ref.fileName);
}

function resolvedPath(specifier: string, fromFile: string): string | undefined {
  if (!(specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:'))) return undefined;
  return path.resolve(path.dirname(fromFile), specifier.startsWith('file:') ? fileURLToPath(specifier) : specifier);
}

function inside(dir: string, target: string): boolean {
  const relative = path.relative(dir, target);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Why a specifier in an emulator file reaches outside the emulator, or undefined. */
function emulatorEscape(specifier: string, fromFile: string): string | undefined {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const target = resolvedPath(specifier, fromFile);
  if (target !== undefined) return inside(EMULATOR_DIR, target) ? undefined : `resolves to ${path.relative(ROOT, target)}`;
  if (specifier.startsWith('#')) return 'is a package.json subpath import into the project';
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier);
  if (name === manifest.name) return 'imports the project itself by its package name';
  return declared.has(name) ? undefined : 'is neither a Node built-in nor a declared npm package';
}

function emulatorViolations(file: string, source: string): string[] {
  return specifiersIn(source).flatMap((specifier) => {
    const reason = emulatorEscape(specifier, file);
    return reason === undefined ? [] : [`${path.relative(ROOT, file)}: "${specifier}" ${reason}`];
  });
}

function clientViolations(file: string, source: string): string[] {
  return specifiersIn(source).flatMap((specifier) => {
    const target = resolvedPath(specifier, file);
    const reaches = target === undefined ? /(^|\/)google-emulator(\/|$)/.test(specifier) : inside(EMULATOR_DIR, target);
    return reaches ? [`${path.relative(ROOT, file)}: "${specifier}"`] : [];
  });
}

describe('the Google emulator and client are kept apart', () => {
  it('no file under src/google-emulator imports anything outside it but Node built-ins and npm packages', () => {
    const files = sourceFiles(EMULATOR_DIR);
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((file) => emulatorViolations(file, readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('no file under src/google imports the emulator', () => {
    const files = sourceFiles(CLIENT_DIR);
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((file) => clientViolations(file, readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('the scans catch every way of reaching across, and let the allowed ones through', () => {
    const emulatorFile = path.join(EMULATOR_DIR, 'example.ts');
    const emulatorSource = [
      "import { GoogleHttp } from '../google/http.js';",
      "export { problem } from '../http/problem.js';",
      "const lazy = await import('../google/index.js');",
      "import self from 'zoom-connect/express';",
      "import alias from '#google/client';",
      "import stray from 'not-a-declared-package';",
      "import { state } from './state.js';",
      "import { verify } from 'node:crypto';",
      "import Fastify from 'fastify';",
    ].join('\n');
    expect(emulatorViolations(emulatorFile, emulatorSource).map((line) => line.split('"')[1])).toEqual([
      '../google/http.js',
      '../http/problem.js',
      '../google/index.js',
      'zoom-connect/express',
      '#google/client',
      'not-a-declared-package',
    ]);
    const clientFile = path.join(CLIENT_DIR, 'example.ts');
    const clientSource = ["import { startGoogleEmulator } from '../google-emulator/index.js';", "const x = await import('../google-emulator/start.js');", "import { z } from 'zod';", "import { GoogleHttp } from './http.js';"].join('\n');
    expect(clientViolations(clientFile, clientSource).map((line) => line.split('"')[1])).toEqual(['../google-emulator/index.js', '../google-emulator/start.js']);
  });
});
