import { it } from 'vitest';
import { startCluster } from '../helpers/cluster.js';
it('timing', async () => {
  const t0 = Date.now();
  const c = await startCluster({ processes: 1 });
  console.log('started in', Date.now() - t0);
  const t1 = Date.now();
  await c.close();
  console.log('closed in', Date.now() - t1);
}, 60000);
