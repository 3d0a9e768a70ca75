// The layering of docs/architecture.md (edges → domain → ports), kept by the
// linter rather than by review. test/architecture/boundaries.test.ts lints
// fixtures against exactly these entries, so a zone that stops biting fails a test.

const portsFromEdges = {
  regex: '(^|/)(store|zoom|crypto)(/|$)',
  message: 'The HTTP edge knows only the domain (src/connections): reach the store, Zoom or the cipher through it (docs/architecture.md).',
};

export const boundaries = [
  {
    // DESIGN.md: the emulator shares no code with src/zoom/ or anything else in the project, so a misreading
    // of Zoom cannot hide on both sides of the wire. Its files sit directly in src/emulator/, so any `../`
    // leaves it. This rule sees static imports and re-exports; test/emulator/isolation.test.ts resolves
    // every import, dynamic ones included.
    files: ['src/emulator/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./', message: 'The emulator shares no code with the rest of the project (DESIGN.md).' },
            { regex: '(^|/)zoom(/|$)', message: 'The emulator shares no code with the Zoom client in src/zoom/ (DESIGN.md).' },
            { regex: '^(#|zoom-connect(/|$))', message: 'The emulator must not import the project through its package name or subpath imports.' },
          ],
        },
      ],
    },
  },
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
    // The Zoom client must not lean on its emulator either.
    files: ['src/zoom/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)emulator(/|$)', message: 'The Zoom client shares no code with the Zoom emulator (DESIGN.md).' }] },
      ],
    },
  },
  {
    files: ['src/http/**', 'src/adapters/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [portsFromEdges] }] },
  },
  {
    files: ['src/connections/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(http|adapters)(/|$)',
              message: 'The domain knows no HTTP framework: src/connections must not import the edges (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
];
