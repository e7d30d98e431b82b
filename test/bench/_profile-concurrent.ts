/**
 * The API half of ipam-concurrent.ts alone (16 clients, own parents), for a CPU profile of the
 * server under load (issue 14; the leading `_` keeps run.ts from picking it up):
 *   TEST_DATABASE_URL=postgres://… node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof test/bench/_profile-concurrent.ts
 *   npx tsx test/bench/_cpu-summary.ts /tmp/prof/*.cpuprofile
 */
import { call, listen, loadFromWorker, openRegistry, serverUrl } from './support.js';

const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 200);
if (!serverUrl()) {
  console.log('_profile-concurrent: set TEST_DATABASE_URL');
  process.exit(0);
}
const reg = await openRegistry('postgres', 24);
const http = await listen(reg.app);
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated', count: clients });
const parentIds: string[] = parents.body.items.map((p: { id: string }) => p.id);
const cpu = process.cpuUsage();
const ms = await loadFromWorker(http.base, clients, perClient, (c) => ({
  method: 'POST',
  path: `/api/v1/prefixes/${parentIds[c]}/allocate`,
  body: { prefixLength: 28, holder: '450102', status: 'allocated' },
  expect: 201,
}));
const used = process.cpuUsage(cpu);
const n = clients * perClient;
console.log(`${n} allocations in ${ms.toFixed(0)} ms: ${((n / ms) * 1000).toFixed(0)} /s, process CPU ${((used.user + used.system) / 1000 / n).toFixed(2)} ms per allocation (user ${(used.user / 1000 / n).toFixed(2)}, system ${(used.system / 1000 / n).toFixed(2)})`);
await http.close();
await reg.close();
