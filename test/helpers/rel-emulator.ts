/**
 * The emulator's control API (/_emulator/...) over HTTP, for tests that
 * inject Zoom faults and count what Zoom saw.
 */
import { http } from './rel-http.js';

export interface EmulatorFaults {
  latencyMs?: number;
  tokenLatencyMs?: number;
  errorRate?: number;
  errorStatus?: number;
  rateLimit?: { count: number; retryAfter?: number | string; type?: 'QPS' | 'Daily' };
  tokenEndpointDown?: boolean;
  loseTokenResponses?: number;
  paths?: string | string[];
}

export interface EmulatorStats {
  tokenRequests: Record<string, number>;
  invalidGrant: number;
  revocations: number;
  apiCalls: Record<string, number>;
  webhooks: { delivered: number; failed: number };
}

export interface DeauthorizeResult {
  revokedGrants: number;
  delivered: boolean;
  status: number | null;
  error?: string;
  event: { event: string; payload: Record<string, unknown> };
}

export interface ZoomUserRecord {
  id: string;
  email: string;
  account_id: string;
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

  private async post<T>(path: string, body: unknown): Promise<T> {
    const res = await http(`${this.url}/_emulator/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`POST /_emulator/${path} answered ${res.status}: ${res.text}`);
    return res.json as T;
  }

  /** Replaces the whole fault picture ({} clears every fault). */
  async faults(faults: EmulatorFaults): Promise<void> {
    await this.post('faults', faults);
  }

  async stats(): Promise<EmulatorStats> {
    const res = await http(`${this.url}/_emulator/stats`);
    return res.json as EmulatorStats;
  }

  /** Expires the access tokens of one Zoom user (by id or email), or of everyone. */
  async expire(user?: string): Promise<number> {
    const body = user === undefined ? {} : user.includes('@') ? { email: user } : { userId: user };
    return (await this.post<{ expired: number }>('expire', body)).expired;
  }

  /** Revokes the user's grants and sends a signed app_deauthorized to the client's webhook URL. */
  deauthorize(user: string): Promise<DeauthorizeResult> {
    return this.post<DeauthorizeResult>('deauthorize', user.includes('@') ? { email: user } : { userId: user });
  }

  async user(emailOrId: string): Promise<ZoomUserRecord> {
    const res = await http(`${this.url}/_emulator/users`);
    const { users } = res.json as { users: ZoomUserRecord[] };
    const found = users.find((u) => u.email === emailOrId.toLowerCase() || u.id === emailOrId);
    if (!found) throw new Error(`no emulator user ${emailOrId}`);
    return found;
  }

  /** Counters now; call `delta()` on the result later to see what happened in between. */
  async snapshot(): Promise<{ delta(): Promise<StatsDelta> }> {
    const before = await this.stats();
    return { delta: async () => diff(before, await this.stats()) };
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
