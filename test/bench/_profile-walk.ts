/**
 * The API walk of ipam-list.ts on PostgreSQL (ten 1,000-item pages), after WARM (10) untimed walks, N
 * times (issue 14; the leading `_` keeps run.ts from picking it up). RAW=n runs the raw select
 * of n rows between walks, as ipam-list.ts does with all 10,000 (GC=1, with node --expose-gc:
 * a forced collection after it); MARK=1 prints a line around each walk, to read beside
 * --trace-gc:
 *   TEST_DATABASE_URL=postgres://… N=60 RAW=10000 npx tsx test/bench/_profile-walk.ts
 *   TEST_DATABASE_URL=postgres://… N=40 RAW=10000 MARK=1 node --trace-gc --import tsx test/bench/_profile-walk.ts
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../server/db/client.js';
import { call, openRegistry, summary, walkPages } from './support.js';
const reg = await openRegistry('postgres');
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
for (let i = 0; i < 40; i++) await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 24, holder: '450100', status: 'allocated', count: 250 });
await reg.database.db.execute(sql`ANALYZE prefixes`);
for (let i = 0; i < Number(process.env.WARM ?? 10); i++) await walkPages(reg.app, `/api/v1/prefixes/${pool.body.id}/children`);
const api: number[] = [];
const raws: number[] = [];
const cpu = process.cpuUsage();
const n = Number(process.env.N || 100);
for (let i = 0; i < n; i++) {
  if (process.env.MARK) console.log('--- walk', i);
  const t = performance.now();
  await walkPages(reg.app, `/api/v1/prefixes/${pool.body.id}/children`);
  api.push(performance.now() - t);
  if (process.env.MARK) console.log('--- walk done', (performance.now() - t).toFixed(1));
  if (process.env.RAW) {
    const t2 = performance.now();
    await rows(reg.database.db, sql`SELECT * FROM prefixes WHERE parent_id = ${Number(pool.body.id)} ORDER BY vrf_id, prefix, id LIMIT ${Number(process.env.RAW)}`);
    raws.push(performance.now() - t2);
    if (process.env.GC) (globalThis as { gc?: () => void }).gc?.();
  }
}
if (raws.length) console.log(`raw p50 ${summary(raws).p50.toFixed(1)} ratio ${(summary(api).p50 / summary(raws).p50).toFixed(2)}`);
const used = process.cpuUsage(cpu);
console.log(`walk p50 ${summary(api).p50.toFixed(1)} ms; CPU ${((used.user + used.system) / 1000 / n).toFixed(1)} ms a walk`);
await reg.close();
