/**
 * Node's CPU per request under ipam-concurrent's 16-client load, up a ladder (issue 14): a bare
 * Hono app on @hono/node-server answering the allocation's 201, then the appliance's own routes.
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_node-ladder.ts
 */
import { Hono } from 'hono';
import { call, listen, loadFromWorker, openRegistry } from './support.js';

const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 400);
const sample = { id: '123', vrf: 'global', cidr: '10.1.0.16/28', family: 4, status: 'allocated', holder: '450102', holderName: '南宁市青秀区', parentId: '17', description: '', utilization: { total: '16', used: '0', percent: 0 }, childCount: 0, addressCount: 0, createdAt: '2026-12-03T00:00:00.000Z', updatedAt: '2026-12-03T00:00:00.000Z' };

async function measure(label: string, base: string, path: string, method = 'POST', expect = 201) {
  const cpu = process.cpuUsage();
  const ms = await loadFromWorker(base, clients, perClient, () => ({ method, path, body: method === 'POST' ? { prefixLength: 28, holder: '450102', status: 'allocated' } : undefined, expect }));
  const used = process.cpuUsage(cpu);
  const n = clients * perClient;
  console.log(`${label}: ${((n / ms) * 1000).toFixed(0)} /s, Node CPU ${((used.user + used.system) / 1000 / n).toFixed(3)} ms a request`);
}

const bare = new Hono();
bare.post('/api/v1/prefixes/:id/allocate', async (c) => {
  await c.req.json();
  return c.json(sample, 201);
});
const bareHttp = await listen(bare as never);
const reg = await openRegistry('postgres', 24);
const http = await listen(reg.app);
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated', count: clients });
for (let round = 0; round < 2; round++) {
  await measure('bare Hono POST', bareHttp.base, '/api/v1/prefixes/1/allocate');
  await measure('appliance GET /prefixes/{id}', http.base, `/api/v1/prefixes/${parents.body.items[0].id}`, 'GET', 200);
  await measure('appliance GET /healthz', http.base, `/healthz`, 'GET', 200);
}
await bareHttp.close();
await http.close();
await reg.close();
