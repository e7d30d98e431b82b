import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../server/db/client.js';
import { Maintenance } from '../../server/db/maintenance.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';

/**
 * The appliance's own VACUUM and ANALYZE (server/db/maintenance.ts): on PGlite, where autovacuum
 * never runs, and on a PostgreSQL server whose autovacuum is off (this machine kind's is); a
 * server with autovacuum on is left to it.
 */
describe.each(backends)('table maintenance on %s', (backend) => {
  let t: TestApp;
  let cityId: string;
  beforeAll(async () => {
    t = await startTestApp(backend);
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.0.0.0/8', holder: '450000' } });
    const city = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 24, holder: '450100', status: 'allocated' } });
    cityId = city.body.id;
  });
  afterAll(async () => t?.close());

  const counters = async (table: string) => {
    const [row] = await rows<{ dead: string; last_vacuum: Date | string | null; last_analyze: Date | string | null }>(
      t.database.db,
      sql`SELECT n_dead_tup AS dead, last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = ${table}`,
    );
    return { dead: Number(row.dead), vacuumed: row.last_vacuum !== null, analyzed: row.last_analyze !== null };
  };

  it('vacuums and analyzes what allocations and reclaims churned, then leaves it until it churns again', { timeout: 60_000 }, async () => {
    // 60 allocations reclaimed at once: each replaces free blocks and the parent's row.
    for (let i = 0; i < 60; i++) {
      const child = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 28, holder: '450102', status: 'allocated' } });
      expect(child.status).toBe(201);
      expect((await t.call('DELETE', `/api/v1/prefixes/${child.body.id}`)).status).toBe(204);
    }
    const maintenance = new Maintenance(t.database);
    const [{ autovacuum }] = await rows<{ autovacuum: string }>(t.database.db, sql`SELECT current_setting('autovacuum') AS autovacuum`);
    if (backend === 'postgres' && autovacuum === 'on') {
      expect(await maintenance.pass()).toEqual({ skipped: 'autovacuum', tables: [] });
      return;
    }
    // The pool's other connections report their counters when idle, within 10 s (PGSTAT_IDLE_INTERVAL);
    // PGlite's one backend reports when the pass asks it to.
    if (backend === 'postgres') await new Promise((r) => setTimeout(r, 11_000));

    const first = await maintenance.pass();
    const byTable = new Map(first.tables.map((x) => [x.table, x]));
    for (const table of ['prefix_free_blocks', 'prefixes']) {
      expect(byTable.get(table), table).toMatchObject({ vacuumed: true, analyzed: true });
      expect(byTable.get(table)!.because).toContain('dead');
      expect(byTable.get(table)!.error).toBeUndefined();
      expect(await counters(table)).toEqual({ dead: 0, vacuumed: true, analyzed: true });
    }
    // Tables nothing churned are not touched (the seeded units, the VRFs).
    expect(byTable.has('vrfs')).toBe(false);

    const second = await maintenance.pass();
    expect(second.tables.map((x) => x.table)).not.toContain('prefix_free_blocks');
    expect(second.tables.map((x) => x.table)).not.toContain('prefixes');

    // The registry works as before on the vacuumed tables: the space came back whole.
    const again = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 25, holder: '450102', status: 'allocated', count: 2 } });
    expect(again.status).toBe(201);
    expect(again.body.items.map((p: { cidr: string }) => p.cidr)).toEqual(['10.0.0.0/25', '10.0.0.128/25']);
  });
});
