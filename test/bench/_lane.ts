/**
 * How busy the allocation batches keep their backend under ipam-concurrent's 16-client load
 * (issue 14; the leading `_` keeps run.ts from picking it up): rounds of 16 clients × 300
 * allocations, each under its own new /16, with the statements sent, their requests, and the
 * share of the wall time during which one ran (StatementBatches.stats).
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_lane.ts      ROUNDS (5)
 */
import { allocationBatchStats } from '../../server/modules/ipam/allocation-batches.js';
import { call, listen, loadFromWorker, openRegistry, serverUrl } from './support.js';

if (!serverUrl()) process.exit(0);
const reg = await openRegistry('postgres', 24);
const http = await listen(reg.app);
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
const stats = allocationBatchStats(reg.database.db);
for (let round = 0; round < Number(process.env.ROUNDS || 5); round++) {
  const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated', count: 16 });
  const ids: string[] = parents.body.items.map((p: { id: string }) => p.id);
  const before = { ...stats };
  const cpu = process.cpuUsage();
  const ms = await loadFromWorker(http.base, 16, 300, (c) => ({ method: 'POST', path: `/api/v1/prefixes/${ids[c]}/allocate`, body: { prefixLength: 28, holder: '450102', status: 'allocated' }, expect: 201 }));
  const used = process.cpuUsage(cpu);
  const statements = stats.statements - before.statements;
  console.log(
    `round ${round}: ${((4800 / ms) * 1000).toFixed(0)} /s, process CPU ${((used.user + used.system) / 1000 / 4800).toFixed(3)} ms a request; ` +
      `${statements} statements of ${((stats.items - before.items) / statements).toFixed(1)} requests, one or more running ${(((stats.busyMs - before.busyMs) / ms) * 100).toFixed(0)} % of the time`,
  );
}
await http.close();
await reg.close();
