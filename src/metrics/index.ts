/** Prometheus metrics of one service instance; the domain sees only the interfaces in types.ts. */
export { ServiceMetrics } from './service-metrics.js';
export { CensusJob, DEFAULT_CENSUS_INTERVAL_MS, type CensusJobDeps } from './census-job.js';
export { zoomOperation } from './zoom-operation.js';
export type * from './types.js';
