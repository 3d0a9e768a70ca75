/**
 * The service under load, in its own process: the real composition root
 * (startService) configured from the environment like `zoom-connect serve`,
 * with the connect-route rate limits off (there is no environment switch for
 * that) and the pool size the baselines use. Reports readiness over IPC.
 * Loads the project as the CLI does (bin/project.js): the compiled build,
 * which bench/run.ts makes fresh first, so production's memory is measured.
 *
 * Run by bench/run.ts and bench/scale.ts; not meant to be started by hand.
 */
import { importProject } from '../bin/project.js';

const { loadConfig } = await importProject('config/config');
const { startService } = await importProject('service');

const poolMax = Number(process.env.BENCH_POOL_MAX ?? '10');
const service = await startService(loadConfig(process.env), { rateLimit: false, poolMax });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await service.close();
  // An explicit exit (not a signal death) lets --cpu-prof write its profile.
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.once('disconnect', () => void stop());
process.send?.({ type: 'ready', url: service.url });
