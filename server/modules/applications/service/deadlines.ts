import { inArray, sql } from 'drizzle-orm';
import type { Audit, Ctx } from '../../../context.js';
import type { Tx } from '../../../db/client.js';
import type { CalendarYearView } from '../../calendar/inputs.js';
import { addWorkdays, type WorkCalendar, type WorkdayAnswer } from '../../calendar/workdays.js';
import type { WorkflowSettings } from '../settings.js';
import { applications } from '../schema.js';

/** acceptBy: the reviewer accepts within `acceptWorkdays` working days of submission (both dates in Asia/Shanghai). */
export function acceptByFor(calendar: WorkCalendar, submittedOn: string, settings: WorkflowSettings): WorkdayAnswer {
  return addWorkdays(calendar, submittedOn, settings.acceptWorkdays);
}

/** The review deadline: `reviewWorkdays` (15, articles 15 and 19) working days after acceptance. */
export function deadlineFor(calendar: WorkCalendar, acceptedOn: string, settings: WorkflowSettings): WorkdayAnswer {
  return addWorkdays(calendar, acceptedOn, settings.reviewWorkdays);
}

/**
 * Recomputes the running date of every open application on `calendar` (just changed by a loaded
 * year) inside the caller's transaction: acceptBy of those awaiting acceptance, the deadline of
 * those under review. Each one that moved, or stopped (or started) being provisional, gets its
 * own audit entry; answers the list. Rows are locked in id order, the order every verb that
 * locks several applications uses.
 */
export async function rescheduleOpenApplications(ctx: Ctx, tx: Tx, audit: Audit, calendar: WorkCalendar): Promise<CalendarYearView['rescheduled']> {
  const settings = ctx.config.workflow;
  const open = await tx
    .select({ id: applications.id, status: applications.status, submittedOn: applications.submittedOn, acceptBy: applications.acceptBy, acceptByProvisional: applications.acceptByProvisional, acceptedOn: applications.acceptedOn, deadline: applications.deadline, deadlineProvisional: applications.deadlineProvisional })
    .from(applications)
    .where(inArray(applications.status, ['submitted', 'accepted']))
    .orderBy(applications.id)
    .for('update');
  const moved: CalendarYearView['rescheduled'] = [];
  for (const row of open) {
    const [field, next, date, provisional] =
      row.status === 'submitted'
        ? (['acceptBy', acceptByFor(calendar, row.submittedOn, settings), row.acceptBy, row.acceptByProvisional] as const)
        : (['deadline', deadlineFor(calendar, row.acceptedOn!, settings), row.deadline, row.deadlineProvisional] as const);
    if (next.date !== date || next.provisional !== provisional) moved.push({ id: String(row.id), field, from: date ?? '', to: next.date, provisional: next.provisional });
  }
  if (moved.length) {
    // One statement for all of them (a year's load may move every open application).
    const changes = JSON.stringify(moved.map((m) => ({ id: Number(m.id), field: m.field, day: m.to, provisional: m.provisional })));
    await tx.execute(sql`
      UPDATE applications a SET
        accept_by = CASE WHEN m.field = 'acceptBy' THEN m.day::date ELSE a.accept_by END,
        accept_by_provisional = CASE WHEN m.field = 'acceptBy' THEN m.provisional ELSE a.accept_by_provisional END,
        deadline = CASE WHEN m.field = 'deadline' THEN m.day::date ELSE a.deadline END,
        deadline_provisional = CASE WHEN m.field = 'deadline' THEN m.provisional ELSE a.deadline_provisional END,
        updated_at = ${ctx.now().toISOString()}::timestamptz
      FROM jsonb_to_recordset(${changes}::jsonb) AS m(id bigint, field text, day text, provisional boolean)
      WHERE a.id = m.id`);
  }
  for (const m of moved) {
    await audit({ action: 'application.reschedule', objectType: 'application', objectId: m.id, before: { [m.field]: m.from }, after: { [m.field]: m.to, provisional: m.provisional } });
  }
  return moved;
}
