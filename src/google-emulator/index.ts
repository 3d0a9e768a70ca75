/** The Google emulator: Google's OAuth token endpoint and Calendar API on one local port, sharing no code with src/google. */
export { startGoogleEmulator, type GoogleEmulatorOptions, type RunningGoogleEmulator } from './start.js';
export { runGoogleEmulatorCli } from './cli.js';
export type { GoogleFaults } from './faults.js';
export type { GoogleEmulatorStats } from './state.js';
export type { ServiceAccountKeyFile } from './service-account.js';
