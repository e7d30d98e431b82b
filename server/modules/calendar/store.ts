import type { Executor } from '../../db/client.js';
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
