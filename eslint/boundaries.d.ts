import type { Linter } from 'eslint';

/** The layer boundary zones (./boundaries.js), typed for the test that lints fixtures against them. */
export declare const boundaries: Linter.Config[];
