import { describe, expect, it } from 'vitest';
import { CensusJob, ServiceMetrics } from '../../src/metrics/index.js';
import { openPostgresStore } from '../../src/store/index.js';
import { BACKENDS, cipherOf, freshDatabaseUrl, newConnection, testKey, uniqueUserId, useStore } from '../helpers/store-fixtures.js';
import { metricValue } from './metric-values.js';

const silent = { warn: () => undefined };

describe.each(BACKENDS)('connection census on %s', (backend) => {
  const fixture = useStore(backend);

  it('counts connections by status and the oldest active one\'s token age', async () => {
    const before = await fixture.store.census();
    const old = new Date(Date.now() - 10 * 86_400_000);
    await fixture.store.connections.saveConnected(newConnection(uniqueUserId('census-old'), { now: old }));
    const gone = uniqueUserId('census-gone');
    await fixture.store.connections.saveConnected(newConnection(gone));
    await fixture.store.connections.disconnect(gone, 'revoked', { wipePersonalData: false, now: new Date() });

    const after = await fixture.store.census();
    expect(after.byStatus.active - before.byStatus.active).toBe(1);
    expect(after.byStatus.revoked - before.byStatus.revoked).toBe(1);
    expect(after.oldestActiveTokensAt?.getTime()).toBeLessThanOrEqual(old.getTime());
  });

  it('the census job writes the counts into the metrics', async () => {
    const metrics = new ServiceMetrics({ processMetrics: false });
    const job = new CensusJob({ census: () => fixture.store.census(), metrics, logger: silent, clock: () => new Date() }, 0);
    await fixture.store.connections.saveConnected(newConnection(uniqueUserId('census-job')));
    await job.countNow();
    const census = await fixture.store.census();
    expect(await metricValue(metrics, 'zoom_connect_connections', { status: 'active' })).toBe(census.byStatus.active);
    expect(await metricValue(metrics, 'zoom_connect_database_up')).toBe(1);
  });
});

describe('census job when the database is gone', () => {
  it('a failed count sets database_up to 0 and keeps the last counts', async () => {
    const store = openPostgresStore({ databaseUrl: await freshDatabaseUrl(), cipher: cipherOf(testKey('k1')) });
    await store.migrate();
    await store.connections.saveConnected(newConnection(uniqueUserId('census-down')));
    const metrics = new ServiceMetrics({ processMetrics: false });
    const warnings: string[] = [];
    const job = new CensusJob({ census: () => store.census(), metrics, logger: { warn: (_o, msg) => warnings.push(msg) }, clock: () => new Date() }, 0);
    await job.countNow();
    await store.close();
    await job.countNow();
    expect(await metricValue(metrics, 'zoom_connect_database_up')).toBe(0);
    expect(await metricValue(metrics, 'zoom_connect_connections', { status: 'active' })).toBe(1);
    expect(warnings).toEqual(['counting connections for the metrics failed']);
  });
});
