/**
 * Listing 10,000 children with their utilization through the API (10 pages of 1,000) vs the
 * raw SQL select of the same rows. Goal ≤ 3×. The API side is timed until each page's body is
 * delivered; the raw side until postgres.js (or PGlite) has parsed the rows.
 *   npx tsx test/bench/ipam-list.ts            (PGlite; PostgreSQL too when TEST_DATABASE_URL is set)
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../server/db/client.js';
import { call, fmt, openRegistry, reportRows, serverUrl, summary, table, walkPages, countItems, type BenchRow } from './support.js';

const repeats = Number(process.env.BENCH_REPEATS || 15);
// Untimed rounds first, both sides, so the figure is the steady state a running server lives in:
// with one, seven timed walks were mostly the JIT's warm-up (PostgreSQL, 2-core machine,
// three runs each: the API's walk 82-150 ms after one untimed round, 52-58 ms after thirty; the
// raw select 16-28 and 15-18 ms).
const warmups = Number(process.env.BENCH_WARMUPS || 30);

async function scenario(backend: 'pglite' | 'postgres') {
  const reg = await openRegistry(backend);
  try {
    const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
    for (let i = 0; i < 40; i++) {
      const r = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 24, holder: '450100', status: 'allocated', count: 250 });
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    }
    // As autovacuum would have by now on a real registry: the planner knows the table's size.
    await reg.database.db.execute(sql`ANALYZE prefixes`);
    const api: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < repeats + warmups; round++) {
      let started = performance.now();
      // The server's side: until the whole body of every page is delivered.
      const pages = await walkPages(reg.app, `/api/v1/prefixes/${pool.body.id}/children`);
      if (round >= warmups) api.push(performance.now() - started);
      const n = countItems(pages, 'cidr');
      if (n !== 10_000) throw new Error(`listed ${n}`);
      started = performance.now();
      const found = await rows(reg.database.db, sql`SELECT * FROM prefixes WHERE parent_id = ${Number(pool.body.id)} ORDER BY vrf_id, prefix, id`);
      if (found.length !== 10_000) throw new Error(`selected ${found.length}`);
      if (round >= warmups) raw.push(performance.now() - started);
    }
    return { api: summary(api).p50, raw: summary(raw).p50 };
  } finally {
    await reg.close();
  }
}

async function main() {
  const out: Record<string, string>[] = [];
  const figures: BenchRow[] = [];
  for (const backend of serverUrl() ? (['pglite', 'postgres'] as const) : (['pglite'] as const)) {
    const r = await scenario(backend);
    out.push({ backend, 'raw select ms': fmt(r.raw), 'API 10×1000 ms': fmt(r.api), 'ratio (goal ≤ 2)': fmt(r.api / r.raw) });
    figures.push({
      what: `list 10,000 children with utilization (10 pages) vs raw select, ${backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}`,
      measured: `${fmt(r.api, 0)} ms`,
      baseline: `${fmt(r.raw, 0)} ms`,
      ratio: r.api / r.raw,
      ...(backend === 'postgres' ? { must: ['<=', 3] as const, goal: ['<=', 2] as const } : { goal: ['<=', 3] as const }),
    });
  }
  console.log('\nlisting 10,000 children with utilization (median of runs)');
  table(out);
  reportRows(figures);
}

await main();
