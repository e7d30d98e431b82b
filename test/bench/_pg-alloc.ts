/**
 * PostgreSQL's CPU per allocation in waiwang_allocate_prefixes alone, with no HTTP and no
 * other load (issue 14): one connection calls the function N times with BATCH requests each,
 * round the 16 parents of ipam-concurrent, and the backend's CPU time is read from
 * /proc/<pid>/schedstat (so PostgreSQL must run on this machine). Compare variants interleaved.
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_pg-alloc.ts
 * N (3000), BATCH (1); RAW=1: a raw guarded INSERT per call instead; VARIANT=file.sql: SQL run
 * on that connection first (CREATE OR REPLACE FUNCTION …, a variant to compare).
 */
import fs from 'node:fs';
import { call, openRegistry, serverUrl } from './support.js';

if (!serverUrl()) {
  console.log('_pg-alloc: set TEST_DATABASE_URL');
  process.exit(0);
}
const N = Number(process.env.N || 3000);
const batch = Number(process.env.BATCH || 1);
const reg = await openRegistry('postgres', 4);
const sql = reg.raw!;
try {
  const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
  const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated', count: 16 });
  const ids: number[] = parents.body.items.map((p: { id: string }) => Number(p.id));
  const [holder] = await sql`SELECT path FROM units WHERE code = '450100'`;
  const [recipient] = await sql`SELECT path, kind FROM units WHERE code = '450102'`;
  const conn = await sql.reserve();
  if (process.env.VARIANT) await conn.unsafe(fs.readFileSync(process.env.VARIANT, 'utf8'));
  const [{ pid }] = await conn`SELECT pg_backend_pid() AS pid`;
  const cpuUs = () => Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
  // The request allocateIn builds (server/modules/ipam/service/prefixes.ts).
  const request = (parent: number) => ({
    parent, length: 28, strategy: 'first', count: 1, holder: '450102', status: 'allocated', description: '', at: new Date().toISOString(),
    parent_holder: '450100', parent_status: 'allocated', holder_path: holder.path, recipient_path: recipient.path, recipient_kind: recipient.kind,
    actor: 'admin', request_id: null, vrf: 'global', action: 'prefix.allocate',
  });
  let k = 0;
  let raw = 0;
  const once = async () => {
    if (process.env.RAW) {
      // Blocks from 10.x.128.0 up, clear of the function's first-fit ones (10.x.0.0 up).
      const i = raw++;
      const block = `10.${i % 16}.${128 + Math.floor(i / 256)}.${(Math.floor(i / 16) % 16) * 16}/28`;
      await conn`INSERT INTO prefixes (vrf_id, parent_id, family, prefix, status, holder_code, total_addresses) VALUES (1, ${ids[i % 16]}, 4, ${block}::cidr, 'allocated', '450102', 16)`;
      return;
    }
    // SAME=1: every request under the first parent (ipam-concurrent's one-parent scenario).
    const requests = Array.from({ length: batch }, () => request(ids[process.env.SAME ? 0 : k++ % 16])).sort((a, b) => a.parent - b.parent);
    await conn`SELECT waiwang_allocate_prefixes(${sql.json(requests as never)}) AS r`;
  };
  const c0 = cpuUs();
  await once();
  const first = cpuUs() - c0;
  for (let i = 0; i < 49; i++) await once();
  const c1 = cpuUs();
  const w1 = performance.now();
  const calls = Math.ceil(N / (process.env.RAW ? 1 : batch));
  for (let i = 0; i < calls; i++) await once();
  const perAllocation = (cpuUs() - c1) / (calls * (process.env.RAW ? 1 : batch));
  console.log(`${process.env.RAW ? 'raw INSERT' : `batch ${batch}`}: backend CPU ${perAllocation.toFixed(0)} us per allocation, wall ${(((performance.now() - w1) * 1000) / (calls * (process.env.RAW ? 1 : batch))).toFixed(0)} us; the connection's first call ${first.toFixed(0)} us`);
  if (process.env.STATS) {
    await conn`SELECT pg_stat_force_next_flush()`;
    for (const t of await conn`SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables WHERE relname IN ('prefixes', 'prefix_free_blocks', 'audit_entries') ORDER BY relname`) console.log(t);
  }
  conn.release();
} finally {
  await reg.close();
}
