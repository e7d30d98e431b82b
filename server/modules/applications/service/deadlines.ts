import { eq, inArray } from 'drizzle-orm';
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
    if (row.status === 'submitted') {
      const next = acceptByFor(calendar, row.submittedOn, settings);
      if (next.date === row.acceptBy && next.provisional === row.acceptByProvisional) continue;
      await tx.update(applications).set({ acceptBy: next.date, acceptByProvisional: next.provisional, updatedAt: ctx.now() }).where(eq(applications.id, row.id));
      moved.push({ id: String(row.id), field: 'acceptBy', from: row.acceptBy, to: next.date, provisional: next.provisional });
    } else if (row.acceptedOn) {
      const next = deadlineFor(calendar, row.acceptedOn, settings);
      if (next.date === row.deadline && next.provisional === row.deadlineProvisional) continue;
      await tx.update(applications).set({ deadline: next.date, deadlineProvisional: next.provisional, updatedAt: ctx.now() }).where(eq(applications.id, row.id));
      moved.push({ id: String(row.id), field: 'deadline', from: row.deadline ?? '', to: next.date, provisional: next.provisional });
    }
  }
  for (const m of moved) {
    await audit({ action: 'application.reschedule', objectType: 'application', objectId: m.id, before: { [m.field]: m.from }, after: { [m.field]: m.to, provisional: m.provisional } });
  }
  return moved;
}
