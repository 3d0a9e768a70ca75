/** The Zoom emulator: zoom.us and api.zoom.us imitated on one local port, sharing no code with src/zoom. */
export { startEmulator, type RunningEmulator } from './start.js';
export { runEmulatorCli } from './cli.js';
export { ADMIN_SCOPES, CLASSIC_SCOPES, type EmulatorClient, type EmulatorOptions, type EmulatorServerToServerApp } from './options.js';
export type { FaultConfig } from './model.js';
export type { Stats as EmulatorStats } from './state.js';
export type { ZoomUser as EmulatorUser } from './model.js';
