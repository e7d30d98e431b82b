import { sql } from 'drizzle-orm';
import type { Executor, Tx } from '../../db/client.js';
import { packagedSource } from './packaged.js';
import { calendarYears } from './schema.js';
import { loadedSource, workCalendar, type WorkCalendar } from './workdays.js';

/**
 * The official calendar as the registry knows it now: the loaded years (a handful of rows, read
 * per request so that every server of a cluster answers alike) over the packaged ones.
 */
export async function currentCalendar(db: Executor): Promise<WorkCalendar> {
  const loaded = await db.select({ year: calendarYears.year, papers: calendarYears.papers, days: calendarYears.days }).from(calendarYears);
  return workCalendar(loadedSource(loaded), packagedSource());
}

/**
 * Loading a year takes this lock exclusively for its transaction; a write that computes a date
 * (submission, acceptance) takes it shared, so it never commits a date computed on the calendar
 * a concurrent load is replacing (the load's recomputation could not see the new row yet).
 * Transaction-scoped: released at commit or rollback.
 */
const calendarLock = sql`hashtext('waiwang.calendar')`;

export async function lockCalendar(tx: Tx): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${calendarLock})`);
}

/** The calendar for a write that stores a date computed on it (see lockCalendar). */
export async function calendarForWrite(tx: Tx): Promise<WorkCalendar> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock_shared(${calendarLock})`);
  return currentCalendar(tx);
}
