/**
 * The listing of ipam-list.ts on PostgreSQL alone, walked many times, for a CPU profile (issue 14;
 * the leading `_` keeps run.ts from picking it up):
 *   TEST_DATABASE_URL=postgres://… node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof test/bench/_profile-list.ts
 *   npx tsx test/bench/_cpu-summary.ts /tmp/prof/*.cpuprofile
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../server/db/client.js';
import { benchToken, call, openRegistry, serverUrl, summary, walkPages } from './support.js';

if (!serverUrl()) {
  console.log('_profile-list: set TEST_DATABASE_URL');
  process.exit(0);
}
const walks = Number(process.env.BENCH_WALKS || 40);
const reg = await openRegistry('postgres');
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
for (let i = 0; i < 40; i++) await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 24, holder: '450100', status: 'allocated', count: 250 });
await reg.database.db.execute(sql`ANALYZE prefixes`);
const api: number[] = [];
const raw: number[] = [];
const small: number[] = [];
const cpu = process.cpuUsage();
for (let i = 0; i < walks; i++) {
  let t = performance.now();
  await walkPages(reg.app, `/api/v1/prefixes/${pool.body.id}/children`);
  api.push(performance.now() - t);
  t = performance.now();
  await rows(reg.database.db, sql`SELECT * FROM prefixes WHERE parent_id = ${Number(pool.body.id)} ORDER BY vrf_id, prefix, id`);
  raw.push(performance.now() - t);
  t = performance.now();
  for (let k = 0; k < 10; k++) await (await reg.app.request(`/api/v1/prefixes/${pool.body.id}/children?limit=1`, { headers: { authorization: `Bearer ${benchToken}` } })).arrayBuffer();
  small.push((performance.now() - t) / 10);
}
const used = process.cpuUsage(cpu);
console.log(`api p50 ${summary(api).p50.toFixed(1)} ms, raw p50 ${summary(raw).p50.toFixed(1)} ms, ratio ${(summary(api).p50 / summary(raw).p50).toFixed(2)}; a 1-item page p50 ${summary(small).p50.toFixed(2)} ms; process CPU ${((used.user + used.system) / 1000 / walks).toFixed(1)} ms a round`);
await reg.close();
