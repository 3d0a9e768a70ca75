import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the kernel picks ports for outgoing connections and for `listen(0)`. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high) && low > 1024) return [low, high];
  } catch {
    // Not Linux: the IANA range.
  }
  return [49152, 65535];
}

const LOWEST = 10_000;

/** Binds `port` (0: any) on 127.0.0.1 and closes it again; the port bound, or null when it was taken. */
function probe(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(null));
    srv.listen(port, '127.0.0.1', () => {
      const address = srv.address();
      const bound = typeof address === 'object' && address ? address.port : null;
      srv.close(() => resolve(bound));
    });
  });
}

/**
 * A port that was free a moment ago, for a server whose port must be known
 * before it starts (a redirect URI names it). Chosen below the kernel's
 * ephemeral range: every outgoing connection of the run takes a port from
 * that range, and one did take such a port between this check and the
 * caller's bind (EADDRINUSE on a fresh clone's CI). Random, so parallel test
 * files rarely pick the same one; each is checked by binding it.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  if (ephemeralLow > LOWEST + 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const candidate = LOWEST + Math.floor(Math.random() * (ephemeralLow - LOWEST));
      const bound = await probe(candidate);
      if (bound !== null) return bound;
    }
  }
  const any = await probe(0);
  if (any === null) throw new Error('no free port on 127.0.0.1');
  return any;
}
