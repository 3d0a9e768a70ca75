import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { boundaries } from '../../eslint/boundaries.js';

/**
 * Lints fixture sources against the project's own boundary zones (the same
 * objects eslint.config.js spreads in), without type information: these are
 * import rules, they need only the parser.
 */
async function importErrors(filePath: string, source: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...boundaries],
  });
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer boundaries kept by ESLint', () => {
  it('an HTTP route importing the store is refused', async () => {
    const errors = await importErrors('src/http/routes/fixture.ts', "import type { Store } from '../../store/types.js';\nexport type S = Store;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/knows only the domain/);
  });

  it('the HTTP edge importing the Zoom client or the cipher is refused', async () => {
    const errors = await importErrors(
      'src/http/fixture.ts',
      "import { ZoomApi } from '../zoom/index.js';\nimport { TokenCipher } from '../crypto/index.js';\nexport const x = [ZoomApi, TokenCipher];\n",
    );
    expect(errors).toHaveLength(2);
  });

  it('the Express adapter importing the store is refused', async () => {
    const errors = await importErrors('src/adapters/express/fixture.ts', "export { openStore } from '../../store/index.js';\n");
    expect(errors).toHaveLength(1);
  });

  it('the domain importing the HTTP edge or an adapter is refused', async () => {
    const errors = await importErrors(
      'src/connections/fixture.ts',
      "import { buildApp } from '../http/app.js';\nimport { createZoomConnectRouter } from '../adapters/express/index.js';\nexport const x = [buildApp, createZoomConnectRouter];\n",
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/knows no HTTP framework/);
  });

  it('the HTTP edge importing the domain is allowed', async () => {
    const errors = await importErrors('src/http/routes/fixture.ts', "import type { Connections } from '../../connections/index.js';\nexport type C = Connections;\n");
    expect(errors).toEqual([]);
  });

  it('the domain importing its ports is allowed', async () => {
    const errors = await importErrors(
      'src/connections/fixture.ts',
      "import type { Store } from '../store/types.js';\nimport { ZoomApi } from '../zoom/index.js';\nexport const x: [Store | null, typeof ZoomApi] = [null, ZoomApi];\n",
    );
    expect(errors).toEqual([]);
  });

  it('the emulator importing the Zoom client is refused', async () => {
    const errors = await importErrors('src/emulator/fixture.ts', "import { ZoomApi } from '../zoom/index.js';\nexport const x = ZoomApi;\n");
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('clients and their emulators kept apart by ESLint', () => {
  it('the Google emulator importing anything of the project is refused', async () => {
    const errors = await importErrors('src/google-emulator/fixture.ts', "import { GoogleCalendarClient } from '../google/index.js';\nexport const x = GoogleCalendarClient;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('the Google client importing the Google emulator is refused', async () => {
    const errors = await importErrors('src/google/fixture.ts', "import { startGoogleEmulator } from '../google-emulator/index.js';\nexport const x = startGoogleEmulator;\n");
    expect(errors).toHaveLength(1);
  });

  it('the Zoom client importing the Zoom emulator is refused', async () => {
    const errors = await importErrors('src/zoom/fixture.ts', "import { startEmulator } from '../emulator/index.js';\nexport const x = startEmulator;\n");
    expect(errors).toHaveLength(1);
  });
});
