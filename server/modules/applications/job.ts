import { eq, inArray } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { mutate, type Ctx } from '../../context.js';
import type { Db } from '../../db/client.js';
import { Repeating } from '../../jobs.js';
import { authorize } from '../access/authorize.js';
import { systemActor } from '../access/service.js';
import { currentCalendar } from '../calendar/store.js';
import { shanghaiDate, workdaysBetween } from '../calendar/workdays.js';
import { emitEvent } from '../webhooks/events.js';
import { applications } from './schema.js';
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
 * date it went out for, so a deadline moved by a loaded calendar year is reminded again. Rows
 * are taken with SKIP LOCKED, so servers sharing a database never send one twice and a
 * reviewer's write is never waited on.
 */
export async function sendDeadlineReminders(ctx: Ctx): Promise<Reminder[]> {
  authorize(ctx, 'application.remind');
  return mutate(ctx, async (tx, audit) => {
    const open = await tx
      .select()
      .from(applications)
      .where(inArray(applications.status, ['submitted', 'accepted']))
      .orderBy(applications.id)
      .for('update', { skipLocked: true });
    if (open.length === 0) return [];
    const calendar = await currentCalendar(tx);
    const today = shanghaiDate(ctx.now());
    const due = open.filter((row) => {
      const running = runningDate(row)!;
      return row.remindedFor !== `${running.kind}:${running.date}` && workdaysBetween(calendar, today, running.date) <= ctx.config.workflow.remindWorkdays;
    });
    const sent: Reminder[] = [];
    for (const row of due) {
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

