import { eq } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../context.js';
import { invalid } from '../../http/problem.js';
import { assertRole, authorize } from '../access/authorize.js';
import { rescheduleOpenApplications } from '../applications/service/deadlines.js';
import type { AddWorkdaysQuery, CalendarYearView, PublishedYearInput } from './inputs.js';
import { calendarYears, type CalendarYearRow } from './schema.js';
import { currentCalendar, lockCalendar } from './store.js';
import { addWorkdays, epochDay, publishedYearFaults, type WorkdayAnswer } from './workdays.js';

export function calendarYearView(row: CalendarYearRow, rescheduled: CalendarYearView['rescheduled'] = []): CalendarYearView {
  return { year: row.year, papers: row.papers, days: row.days, loadedAt: row.loadedAt.toISOString(), loadedBy: row.loadedBy, rescheduled };
}

/** GET /calendar/add-workdays: the `days`-th working day after `from`. */
export async function addWorkdaysFor(ctx: Ctx, query: AddWorkdaysQuery): Promise<WorkdayAnswer> {
  authorize(ctx, 'calendar.read');
  if (epochDay(query.from) === undefined) throw invalid(`from: ${query.from} is not a calendar date (YYYY-MM-DD)`, { field: 'from' });
  return read(async () => addWorkdays(await currentCalendar(ctx.db), query.from, query.days));
}

/**
 * PUT /calendar/{year}: loads a year as holiday-cn publishes it; it takes precedence over the
 * packaged data. In the same transaction every open application's running date is recomputed
 * on the new calendar (a year's notice may also move the last days of the year before), so no
 * deadline is ever computed on a calendar that is no longer the registry's.
 */
export async function loadCalendarYear(ctx: Ctx, yearText: string, input: PublishedYearInput): Promise<CalendarYearView> {
  assertRole(ctx, 'calendar.load');
  const year = Number(yearText);
  if (input.year !== year) throw invalid(`year: the file is for ${input.year} but was sent to /calendar/${yearText}`, { field: 'year' });
  const faults = publishedYearFaults(input);
  if (faults.length) throw invalid(faults.join('; '), { field: faults[0].split(':')[0] });
  return mutate(ctx, async (tx, audit) => {
    authorize(ctx, 'calendar.load');
    // One loader at a time, and no submission or acceptance computing a date meanwhile: two
    // years loaded at once would each recompute deadlines on a calendar without the other.
    await lockCalendar(tx);
    const [before] = await tx.select().from(calendarYears).where(eq(calendarYears.year, year));
    const values = { year, papers: input.papers, days: input.days.map((d) => ({ name: d.name, date: d.date, isOffDay: d.isOffDay })), loadedAt: ctx.now(), loadedBy: ctx.actor.username };
    const [row] = await tx.insert(calendarYears).values(values).onConflictDoUpdate({ target: calendarYears.year, set: values }).returning();
    const rescheduled = await rescheduleOpenApplications(ctx, tx, audit, await currentCalendar(tx));
    const view = calendarYearView(row, rescheduled);
    await audit({ action: 'calendar.load', objectType: 'calendar_year', objectId: String(year), before: before ? calendarYearView(before) : undefined, after: view });
    return view;
  });
}
