import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { Repeating } from '../jobs.js';
import { rows, type Database } from './client.js';

/**
 * VACUUM and ANALYZE where nothing else runs them (issue 14). Embedded PGlite runs one backend
 * in single-user mode, where autovacuum never starts although `SHOW autovacuum` says on: every
 * row an allocation, a reclaim or a utilization update replaced stays in its table and its
 * indexes for good and scans step over them, the planner's statistics stay those of the first
 * start, and after 200 million transactions the database would stop accepting writes to protect
 * itself from transaction id wraparound. Under a /16 where 4,000 /28s had been allocated and
 * reclaimed, an allocation's p50 on PGlite was 14.4 ms with the dead rows left and 7.8 ms after
 * one pass (test/bench/maintenance.ts, 2026-12-02).
 * A PostgreSQL server whose autovacuum was turned off has the same problems, and is served the
 * same way; with autovacuum on, PostgreSQL does it and a pass does nothing.
 *
 * A pass decides per table as autovacuum would, with autovacuum's default thresholds (below),
 * from the cumulative statistics (pg_stat_user_tables); PGlite reports its pending counters
 * only when asked (pg_stat_force_next_flush), so the pass asks first. Hand-written: no library
 * schedules maintenance for an embedded PostgreSQL.
 */

/** PostgreSQL's defaults for autovacuum_{vacuum,vacuum_insert,analyze}_{threshold,scale_factor}. */
export const autovacuumDefaults = {
  vacuum: { threshold: 50, scale: 0.2 },
  insert: { threshold: 1000, scale: 0.2 },
  analyze: { threshold: 50, scale: 0.1 },
} as const;

/** One table's counters, as pg_stat_user_tables and pg_class have them. */
export interface TableCounters {
  table: string;
  live: number;
  dead: number;
  /** Rows inserted since the last vacuum: a vacuum sets their pages all-visible (index-only scans) and freezes them. */
  insertedSinceVacuum: number;
  modifiedSinceAnalyze: number;
  /** age(relfrozenxid): transactions since the table's oldest unfrozen row. */
  xidAge: number;
  /** autovacuum_freeze_max_age: past it, the table must be vacuumed whatever else says. */
  freezeMaxAge: number;
}

export interface TableWork {
  vacuum: boolean;
  analyze: boolean;
  /** Why, in autovacuum's terms: 'dead', 'inserted', 'wraparound', 'modified'. */
  because: string[];
}

/** What autovacuum would do to this table now. */
export function workFor(t: TableCounters): TableWork {
  const because: string[] = [];
  const { vacuum, insert, analyze } = autovacuumDefaults;
  if (t.dead > vacuum.threshold + vacuum.scale * t.live) because.push('dead');
  if (t.insertedSinceVacuum > insert.threshold + insert.scale * t.live) because.push('inserted');
  if (t.xidAge > t.freezeMaxAge) because.push('wraparound');
  const needsVacuum = because.length > 0;
  if (t.modifiedSinceAnalyze > analyze.threshold + analyze.scale * t.live) because.push('modified');
  return { vacuum: needsVacuum, analyze: because.includes('modified'), because };
}

/** Whether the appliance must maintain its tables itself: PGlite always, PostgreSQL when its autovacuum is off. */
export function maintainsItself(driver: Database['driver'], autovacuum: string): boolean {
  return driver === 'pglite' || autovacuum !== 'on';
}

export interface MaintainedTable {
  table: string;
  vacuumed: boolean;
  analyzed: boolean;
  because: string[];
  ms: number;
  /** The statement failed (a timeout, a lock): logged, tried again at the next pass. */
  error?: string;
}

export interface MaintenanceResult {
  /** 'autovacuum': PostgreSQL's autovacuum is on and does the work; nothing was looked at. */
  skipped?: 'autovacuum';
  tables: MaintainedTable[];
}

export class Maintenance {
  private readonly schedule: Repeating;
  private warnedAutovacuumOff = false;

  constructor(
    private readonly database: Database,
    private readonly log?: Logger,
  ) {
    this.schedule = new Repeating('table maintenance', () => this.pass(), log);
  }

  /** Every `intervalMs` (WAIWANG_MAINTENANCE_INTERVAL_S; 0: never). */
  start(intervalMs: number): void {
    if (intervalMs > 0) this.schedule.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  async pass(): Promise<MaintenanceResult> {
    const { db, driver } = this.database;
    // Asked every pass: an operator may turn autovacuum on or off with a reload.
    const [{ autovacuum }] = await rows<{ autovacuum: string }>(db, sql`SELECT current_setting('autovacuum') AS autovacuum`);
    if (!maintainsItself(driver, autovacuum)) return { skipped: 'autovacuum', tables: [] };
    if (driver === 'postgres' && !this.warnedAutovacuumOff) {
      this.warnedAutovacuumOff = true;
      this.log?.warn('autovacuum is off on this PostgreSQL server: waiwang vacuums and analyzes its own tables (turn autovacuum on to leave that to PostgreSQL)');
    }
    // PGlite's one backend reports its counters only when asked; a server's backends report theirs when idle.
    if (driver === 'pglite') await db.execute(sql`SELECT pg_stat_force_next_flush()`);
    const counters = await rows<{ table: string; live: string; dead: string; inserted: string; modified: string; xid_age: string; freeze_max_age: string }>(
      db,
      sql`SELECT s.relname AS "table", s.n_live_tup AS live, s.n_dead_tup AS dead, s.n_ins_since_vacuum AS inserted,
                 s.n_mod_since_analyze AS modified, age(c.relfrozenxid) AS xid_age,
                 current_setting('autovacuum_freeze_max_age') AS freeze_max_age
          FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
          WHERE s.schemaname = current_schema()
          ORDER BY s.relname`,
    );
    const done: MaintainedTable[] = [];
    for (const c of counters) {
      const work = workFor({
        table: c.table,
        live: Number(c.live),
        dead: Number(c.dead),
        insertedSinceVacuum: Number(c.inserted),
        modifiedSinceAnalyze: Number(c.modified),
        xidAge: Number(c.xid_age),
        freezeMaxAge: Number(c.freeze_max_age),
      });
      if (!work.vacuum && !work.analyze) continue;
      const name = sql.identifier(c.table);
      const statement = work.vacuum ? (work.analyze ? sql`VACUUM (ANALYZE) ${name}` : sql`VACUUM ${name}`) : sql`ANALYZE ${name}`;
      const started = performance.now();
      const entry: MaintainedTable = { table: c.table, vacuumed: work.vacuum, analyzed: work.analyze, because: work.because, ms: 0 };
      try {
        await db.execute(statement);
      } catch (err) {
        entry.vacuumed = entry.analyzed = false;
        entry.error = (err as Error).message;
        this.log?.warn({ err, maintenance: { table: c.table, because: work.because } }, 'table maintenance failed; will retry');
      }
      entry.ms = Math.round(performance.now() - started);
      done.push(entry);
    }
    if (done.length) this.log?.info({ maintenance: done }, 'tables vacuumed and analyzed');
    return { tables: done };
  }
}
