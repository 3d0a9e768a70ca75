// Type-aware lint: the rules that catch unhandled promises and unsafe `any`
// flows matter most in a service that juggles tokens across async boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { boundaries } from './eslint/boundaries.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/', 'bench/results/', 'test-results/', 'web/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  ...boundaries,
  {
    // The Google emulator, like the Zoom one, shares no code with the client it emulates (src/google/) or
    // anything else in the project; test/google-emulator/isolation.test.ts resolves every import.
    files: ['src/google-emulator/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./', message: 'The Google emulator shares no code with the rest of the project (DESIGN.md).' },
            { regex: '^(#|zoom-connect(/|$))', message: 'The Google emulator must not import the project through its package name or subpath imports.' },
          ],
        },
      ],
    },
  },
  {
    // The client must not lean on its emulator: each side reads GOOGLE.md on its own.
    files: ['src/google/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)google-emulator(/|$)', message: 'The Google client shares no code with the Google emulator (DESIGN.md).' }] },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
