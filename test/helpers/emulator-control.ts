/**
 * The one client of the Zoom emulator's control API (/_emulator/...), typed
 * with the emulator's own exported types: inject faults, expire tokens,
 * deauthorize, and count what Zoom saw. (The emulator's own tests call the
 * control API raw, since that API is what they test.)
 */
import type { EmulatorStats, EmulatorUser, FaultConfig } from '../../src/emulator/index.js';

export interface DeauthorizeResult {
  revokedGrants: number;
  delivered: boolean;
  status: number | null;
  error?: string;
  event: { event: string; payload: Record<string, unknown> };
}

/** What changed in the emulator's counters between two snapshots. */
export interface StatsDelta {
  refreshGrants: number;
  codeGrants: number;
  invalidGrant: number;
  revocations: number;
  apiCalls: number;
  apiCall(route: string): number;
}

export class EmulatorControl {
  constructor(readonly url: string) {}

  /** Replaces the whole fault picture ({} clears every fault). */
  async faults(faults: FaultConfig): Promise<void> {
    await this.post('faults', faults);
  }

  async stats(): Promise<EmulatorStats> {
    return (await this.get('stats')) as EmulatorStats;
  }

  /** Expires the access tokens of one Zoom user (by id or email), or of everyone. */
  async expire(user?: string): Promise<number> {
    const body = user === undefined ? {} : user.includes('@') ? { email: user } : { userId: user };
    return ((await this.post('expire', body)) as { expired: number }).expired;
  }

  /** Revokes the user's grants and sends a signed app_deauthorized to the client's webhook URL. */
  async deauthorize(user: string): Promise<DeauthorizeResult> {
    return (await this.post('deauthorize', user.includes('@') ? { email: user } : { userId: user })) as DeauthorizeResult;
  }

  async user(emailOrId: string): Promise<EmulatorUser> {
    const { users } = (await this.get('users')) as { users: EmulatorUser[] };
    const found = users.find((u) => u.email === emailOrId.toLowerCase() || u.id === emailOrId);
    if (!found) throw new Error(`no emulator user ${emailOrId}`);
    return found;
  }

  /** Counters now; call `delta()` on the result later to see what happened in between. */
  async snapshot(): Promise<{ delta(): Promise<StatsDelta> }> {
    const before = await this.stats();
    return { delta: async () => diff(before, await this.stats()) };
  }

  private async get(path: string): Promise<unknown> {
    const res = await fetch(`${this.url}/_emulator/${path}`);
    if (!res.ok) throw new Error(`GET /_emulator/${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}/_emulator/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`POST /_emulator/${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  }
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

function diff(before: EmulatorStats, after: EmulatorStats): StatsDelta {
  const grant = (name: string): number => (after.tokenRequests[name] ?? 0) - (before.tokenRequests[name] ?? 0);
  return {
    refreshGrants: grant('refresh_token'),
    codeGrants: grant('authorization_code'),
    invalidGrant: after.invalidGrant - before.invalidGrant,
    revocations: after.revocations - before.revocations,
    apiCalls: sum(after.apiCalls) - sum(before.apiCalls),
    apiCall: (route) => (after.apiCalls[route] ?? 0) - (before.apiCalls[route] ?? 0),
  };
}
