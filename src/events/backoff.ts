/**
 * When to try an event again after `attempts` failed attempts: exponential
 * from `initialMs`, capped at `maxMs`, with "equal jitter" (half fixed, half
 * random) so that many events failing together (a receiver outage) do not
 * come back in one wave.
 */
export function retryDelayMs(attempts: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(maxMs, initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
