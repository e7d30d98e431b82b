/**
 * What the appliance's own VACUUM and ANALYZE (server/db/maintenance.ts) is worth on embedded
 * PGlite, where autovacuum never runs: a county's /16 under which 4,000 /28s were allocated and
 * reclaimed (the churn of re-planning, of imports undone), then single allocations timed with
 * the dead rows left in place, and again after one maintenance pass. Also the sizes of the two
 * tables the churn replaces rows in. No issue sets a goal: the figure shows what the pass
 * keeps an embedded registry from losing.
 *   npx tsx test/bench/maintenance.ts
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../server/db/client.js';
import { Maintenance } from '../../server/db/maintenance.js';
import { call, fmt, openRegistry, reportRows, summary, table } from './support.js';

const churn = Number(process.env.BENCH_CHURN || 4000);
const timed = Number(process.env.BENCH_TIMED || 200);

async function main() {
  const reg = await openRegistry('pglite');
  try {
    const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
    const county = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated' });
    const parent = county.body.id as string;
    // Half the /16 stays allocated, so that the free blocks sit behind the dead ones.
    for (let i = 0; i < 2048; i += 256) {
      const kept = await call(reg.app, 'POST', `/api/v1/prefixes/${parent}/allocate`, { prefixLength: 28, holder: '450102', status: 'allocated', count: 256 });
      if (kept.status !== 201) throw new Error(JSON.stringify(kept.body));
    }
    for (let i = 0; i < churn; i++) {
      const child = await call(reg.app, 'POST', `/api/v1/prefixes/${parent}/allocate`, { prefixLength: 28, holder: '450102', status: 'allocated' });
      if (child.status !== 201) throw new Error(JSON.stringify(child.body));
      const gone = await call(reg.app, 'DELETE', `/api/v1/prefixes/${child.body.id}`);
      if (gone.status !== 204) throw new Error(JSON.stringify(gone.body));
    }
    const sizes = async () => {
      const [s] = await rows<{ free: string; prefixes: string }>(
        reg.database.db,
        sql`SELECT pg_total_relation_size('prefix_free_blocks') AS free, pg_total_relation_size('prefixes') AS prefixes`,
      );
      return { free: Number(s.free) / 1024, prefixes: Number(s.prefixes) / 1024 };
    };
    // Allocate then reclaim, timing the allocation: the table stays as the churn left it.
    const allocations = async () => {
      const samples: number[] = [];
      for (let i = 0; i < timed; i++) {
        const started = performance.now();
        const child = await call(reg.app, 'POST', `/api/v1/prefixes/${parent}/allocate`, { prefixLength: 28, holder: '450102', status: 'allocated' });
        samples.push(performance.now() - started);
        await call(reg.app, 'DELETE', `/api/v1/prefixes/${child.body.id}`);
      }
      return summary(samples);
    };
    const sizeBefore = await sizes();
    const before = await allocations();
    const pass = await new Maintenance(reg.database).pass();
    const sizeAfter = await sizes();
    const after = await allocations();
    console.log(`\nPGlite, ${churn} allocations reclaimed under one /16 half allocated; the pass took ${pass.tables.reduce((s, x) => s + x.ms, 0)} ms over ${pass.tables.map((x) => x.table).join(', ')}`);
    table([
      { state: 'dead rows left (no autovacuum)', 'allocation p50 ms': fmt(before.p50), 'p99 ms': fmt(before.p99), 'prefix_free_blocks KiB': fmt(sizeBefore.free, 0), 'prefixes KiB': fmt(sizeBefore.prefixes, 0) },
      { state: 'after one maintenance pass', 'allocation p50 ms': fmt(after.p50), 'p99 ms': fmt(after.p99), 'prefix_free_blocks KiB': fmt(sizeAfter.free, 0), 'prefixes KiB': fmt(sizeAfter.prefixes, 0) },
    ]);
    reportRows([
      {
        what: `PGlite allocation p50 after ${churn} allocations reclaimed, maintained vs dead rows left`,
        measured: `${fmt(after.p50)} ms`,
        baseline: `${fmt(before.p50)} ms`,
        ratio: after.p50 / before.p50,
      },
    ]);
  } finally {
    await reg.close();
  }
}

await main();
