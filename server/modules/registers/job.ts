import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Ctx } from '../../context.js';
import type { Db } from '../../db/client.js';
import { Repeating } from '../../jobs.js';
import { systemActor } from '../access/service.js';
import { runMajorFaultRules } from './service/faults.js';
import { sendDrillReminders } from './service/readiness.js';

/** The registers' periodic work (drill reminders, major-fault classification and escalation), on the jobs scheduler of server/jobs.ts like the workflow job. */
export class RegistersJob {
  private readonly schedule: Repeating;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly options: { log?: Logger; now?: () => Date } = {},
  ) {
    this.schedule = new Repeating('registers reminders', () => this.pass(), options.log);
  }

  start(intervalMs = this.config.registers.jobIntervalMs): void {
    this.schedule.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  async pass(): Promise<{ drillReminders: number; classified: number; escalated: number }> {
    const ctx: Ctx = { db: this.db, actor: systemActor, now: this.options.now ?? (() => new Date()), config: this.config, requestId: 'registers-job' };
    const sent = await sendDrillReminders(ctx);
    if (sent.length) this.options.log?.info({ reminders: sent.length }, 'drill reminders');
    const faults = await runMajorFaultRules(ctx);
    if (faults.classified || faults.escalated) this.options.log?.info(faults, 'major faults');
    return { drillReminders: sent.length, ...faults };
  }
}
