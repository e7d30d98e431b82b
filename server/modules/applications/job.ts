import { eq, inArray } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { mutate, read, type Ctx } from '../../context.js';
import type { Db } from '../../db/client.js';
import { Repeating } from '../../jobs.js';
import { authorize } from '../access/authorize.js';
import { systemActor } from '../access/service.js';
import { currentCalendar } from '../calendar/store.js';
import { shanghaiDate, workdaysBetween, type WorkCalendar } from '../calendar/workdays.js';
import { emitEvent } from '../webhooks/events.js';
import { applications, type ApplicationRow } from './schema.js';
import { concernedUnits } from './service/applications.js';
import { applicationViews, runningDate } from './service/views.js';

export interface Reminder {
  id: string;
  kind: 'accept' | 'review';
  date: string;
  workdaysLeft: number;
}

/**
 * application.deadline_near, `remindWorkdays` (3) working days before an open application's
 * running date (acceptBy, then the review deadline), once per date: `reminded_for` remembers the
 * date it went out for, so a deadline moved by a loaded calendar year is reminded again. The
 * open applications are read without locks; only the due ones are then locked, with SKIP
 * LOCKED, and checked again, so servers sharing a database never send one twice and a pass
 * that finds nothing due locks nothing.
 */
export async function sendDeadlineReminders(ctx: Ctx): Promise<Reminder[]> {
  authorize(ctx, 'application.remind');
  const settings = ctx.config.workflow;
  const isDue = (calendar: WorkCalendar, today: string, row: ApplicationRow) => {
    const running = runningDate(row);
    return running !== null && row.remindedFor !== `${running.kind}:${running.date}` && workdaysBetween(calendar, today, running.date) <= settings.remindWorkdays;
  };
  // First without locks: most passes find nothing due and must not hold up a reviewer's write.
  const calendar = await read(() => currentCalendar(ctx.db));
  const today = shanghaiDate(ctx.now());
  const open = await read(() => ctx.db.select().from(applications).where(inArray(applications.status, ['submitted', 'accepted'])));
  const dueIds = open.filter((row) => isDue(calendar, today, row)).map((row) => row.id);
  if (dueIds.length === 0) return [];
  return mutate(ctx, async (tx, audit) => {
    // Then only the due rows, skipping those another server (or a reviewer) holds right now:
    // they are looked at again on the next pass.
    const locked = await tx.select().from(applications).where(inArray(applications.id, dueIds)).orderBy(applications.id).for('update', { skipLocked: true });
    const sent: Reminder[] = [];
    for (const row of locked.filter((r) => isDue(calendar, today, r))) {
      const running = runningDate(row)!;
      const [updated] = await tx.update(applications).set({ remindedFor: `${running.kind}:${running.date}` }).where(eq(applications.id, row.id)).returning();
      const [view] = await applicationViews(tx, [updated], ctx.now(), calendar);
      const reminder = { id: view.id, kind: running.kind, date: running.date, workdaysLeft: workdaysBetween(calendar, today, running.date) };
      await emitEvent(tx, { type: 'application.deadline_near', unitCodes: await concernedUnits(tx, updated), payload: { ...view, reminder }, at: ctx.now() });
      await audit({ action: 'application.remind', objectType: 'application', objectId: view.id, after: reminder });
      sent.push(reminder);
    }
    return sent;
  });
}

/** The workflow's periodic work, on the jobs scheduler of server/jobs.ts like the telemetry job. */
export class WorkflowJob {
  private readonly schedule: Repeating;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly options: { log?: Logger; now?: () => Date } = {},
  ) {
    this.schedule = new Repeating('workflow reminders', () => this.pass(), options.log);
  }

  start(intervalMs = this.config.workflow.jobIntervalMs): void {
    this.schedule.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  async pass(): Promise<Reminder[]> {
    const ctx: Ctx = { db: this.db, actor: systemActor, now: this.options.now ?? (() => new Date()), config: this.config, requestId: 'workflow-job' };
    const sent = await sendDeadlineReminders(ctx);
    if (sent.length) this.options.log?.info({ reminders: sent.length }, 'application deadline reminders');
    return sent;
  }
}

