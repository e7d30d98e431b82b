/**
 * The reviewer's queue: 2,000 open applications listed through the API ordered by their running
 * date (`sort=due`, 2 pages of 1,000, each view with its co-applicants, names and working days
 * left on the official calendar) vs the raw SQL select of the same rows in the same order. And
 * loading a calendar year that moves every one of those dates vs loading the same year again,
 * which moves none (the recomputation's own cost over the load itself).
 *   npx tsx test/bench/workflow-queue.ts       (PGlite; PostgreSQL too when TEST_DATABASE_URL is set)
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../server/db/client.js';
import { call, fmt, openRegistry, reportRows, serverUrl, summary, table, walkPages, countItems, type BenchRow } from './support.js';

const repeats = Number(process.env.BENCH_REPEATS || 7);
const count = 2_000;

async function scenario(backend: 'pglite' | 'postgres') {
  const reg = await openRegistry(backend);
  try {
    await call(reg.app, 'POST', '/api/v1/units', { code: 'BENCH-DEPT', name: '基准测试局', parent: '450100', kind: 'department' });
    await call(reg.app, 'POST', '/api/v1/units', { code: 'BENCH-CO', name: '基准协办局', parent: '450100', kind: 'department' });
    const body = {
      type: 'access',
      applicant: 'BENCH-DEPT',
      bandwidthMbps: 100,
      securityLevel: 3,
      secrecyCheck: { done: true, classified: false },
      systems: [{ name: '基准系统' }],
      contact: { name: '李明', phone: '0771-5551234' },
      boundaryResponsible: { name: '韦工', phone: '0771-5550000' },
      coApplicants: ['BENCH-CO'],
    };
    for (let i = 0; i < count; i++) {
      const r = await call(reg.app, 'POST', '/api/v1/applications', body);
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
      // Half accepted (their deadline runs into 2027), half awaiting acceptance.
      if (i % 2 === 0 && (await call(reg.app, 'POST', `/api/v1/applications/${r.body.id}/accept`)).status !== 200) throw new Error('accept failed');
    }
    await reg.database.db.execute(sql`ANALYZE applications`);
    const api: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < repeats + 1; round++) {
      let started = performance.now();
      const pages = await walkPages(reg.app, '/api/v1/applications?sort=due');
      if (round > 0) api.push(performance.now() - started);
      const n = countItems(pages, 'workdaysLeft');
      if (n !== count) throw new Error(`listed ${n}`);
      started = performance.now();
      const found = await rows(
        reg.database.db,
        sql`SELECT * FROM applications ORDER BY (CASE WHEN status = 'submitted' THEN accept_by ELSE coalesce(deadline, accept_by) END), id`,
      );
      if (found.length !== count) throw new Error(`selected ${found.length}`);
      if (round > 0) raw.push(performance.now() - started);
    }
    // A year file that makes the next working day a day off moves every open date (they all run
    // from today); loading it again moves none.
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const next = (await call(reg.app, 'GET', `/api/v1/calendar/add-workdays?from=${today}&days=1`)).body.date as string;
    const year = Number(next.slice(0, 4));
    const file = { year, papers: [], days: [{ name: '基准测试休息日', date: next, isOffDay: true }] };
    const loadMs = (body: unknown) => {
      const started = performance.now();
      return call(reg.app, 'PUT', `/api/v1/calendar/${year}`, body).then((r) => {
        if (r.status !== 200) throw new Error(JSON.stringify(r.body));
        return { ms: performance.now() - started, moved: r.body.rescheduled.length as number };
      });
    };
    const moving = await loadMs(file);
    if (moving.moved !== count) throw new Error(`moved ${moving.moved} of ${count}`);
    const still = await loadMs(file);
    if (still.moved !== 0) throw new Error(`moved ${still.moved} again`);
    return { api: summary(api).p50, raw: summary(raw).p50, moving, still };
  } finally {
    await reg.close();
  }
}

async function main() {
  const out: Record<string, string>[] = [];
  const loads: Record<string, string>[] = [];
  const rows: BenchRow[] = [];
  for (const backend of serverUrl() ? (['pglite', 'postgres'] as const) : (['pglite'] as const)) {
    const r = await scenario(backend);
    out.push({ backend, 'raw select ms': fmt(r.raw), 'API 2×1000 ms': fmt(r.api), ratio: fmt(r.api / r.raw) });
    loads.push({ backend, 'load moving ms': fmt(r.moving.ms), moved: String(r.moving.moved), 'load moving none ms': fmt(r.still.ms), ratio: fmt(r.moving.ms / r.still.ms) });
    rows.push({ what: `review queue of ${count} open applications vs the raw SELECT, ${backend}`, measured: `${fmt(r.api)} ms`, baseline: `${fmt(r.raw)} ms`, ratio: r.api / r.raw });
  }
  console.log(`\nthe review queue: ${count} open applications by running date (median of runs)`);
  table(out);
  console.log(`\nloading a calendar year that moves every open deadline vs one that moves none`);
  table(loads);
  reportRows(rows);
}

await main();
