/**
 * OPS_PORT: where /metrics, /docs and /openapi.json are served.
 * `main` (unset): beside the API; a number: on that port only; `off`: nowhere.
 */
export type OpsPort = 'main' | 'off' | number;

export function parseOpsPort(raw: string | undefined, mainPort: number): { opsPort: OpsPort; problem?: string } {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === '') return { opsPort: 'main' };
  if (value === 'off' || value === 'none') return { opsPort: 'off' };
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    return { opsPort: 'main', problem: `OPS_PORT: expected a port number from 0 to 65535, or "off", got "${raw?.trim().slice(0, 40) ?? ''}"` };
  }
  if (port !== 0 && port === mainPort) return { opsPort: 'main', problem: `OPS_PORT: expected a port other than PORT (${mainPort}); leave it unset to serve them on PORT` };
  return { opsPort: port };
}
