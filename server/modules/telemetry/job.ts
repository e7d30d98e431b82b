import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { mutate, type Ctx } from '../../context.js';
import type { Db } from '../../db/client.js';
import { authorize } from '../access/authorize.js';
import { systemActor } from '../access/service.js';
import { checkSilentDevices } from './service/incidents.js';
import type { EvaluationView, IncidentView } from './inputs.js';
import { evaluateExpansion } from './service/policy.js';
import { rollUp, type RollupResult } from './service/rollup.js';
import type { TelemetrySettings } from './settings.js';
import { Repeating } from '../../jobs.js';

export interface TelemetryPassResult {
  pruned: { readings: number; interfaceRollups: number; linkRollups: number; deviceChecks: number };
  rolledUp: RollupResult;
  devicesDown: IncidentView[];
  /** Null when another server was evaluating. */
  evaluation: EvaluationView | null;
}

/**
 * The server's own periodic telemetry work, every 5 minutes and on demand (pass()): prune
 * what is past retention, roll the backlog of readings up into 5-minute buckets, open
 * incidents for devices gone silent, and evaluate the expansion policy. Every step is safe
 * with several servers: rollups take backlog rows with SKIP LOCKED, the evaluation runs under
 * an advisory lock, pruning and the silence check are idempotent.
 */
export class TelemetryJob {
  private readonly schedule: Repeating;
  readonly settings: TelemetrySettings;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly options: { log?: Logger; now?: () => Date; settings?: TelemetrySettings } = {},
  ) {
    this.settings = options.settings ?? config.telemetry;
    this.schedule = new Repeating('telemetry pass', () => this.pass(), options.log);
  }

  private ctx(): Ctx {
    return { db: this.db, actor: systemActor, now: this.options.now ?? (() => new Date()), config: { ...this.config, telemetry: this.settings }, requestId: 'telemetry-job' };
  }

  start(intervalMs = this.settings.jobIntervalMs): void {
    this.schedule.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  async pass(): Promise<TelemetryPassResult> {
    const ctx = this.ctx();
    const pruned = await pruneTelemetry(ctx, this.settings);
    const rolledUp = await rollUp(ctx, this.settings, { wait: false });
    const devicesDown = await checkSilentDevices(ctx, this.settings);
    const evaluation = await evaluateExpansion(ctx, { wait: false, summaryAudit: false, rolledUp });
    const result = { pruned, rolledUp, devicesDown, evaluation };
    if (rolledUp.interfaces || devicesDown.length || evaluation?.raised.length || evaluation?.fulfilled.length || pruned.readings) {
      this.options.log?.info(
        {
          telemetry: {
            pruned,
            rolledUp,
            devicesDown: devicesDown.length,
            raised: evaluation?.raised.length ?? 0,
            fulfilled: evaluation?.fulfilled.length ?? 0,
          },
        },
        'telemetry pass',
      );
    }
    return result;
  }

}

export type PruneResult = TelemetryPassResult['pruned'];

/**
 * Raw readings past their retention (35 days), rollups past theirs (2 years): a write like any
 * other, in one transaction with one summary audit entry (what was deleted from each table, and
 * the retention that decided it). A pass that finds nothing past retention changes nothing and
 * records nothing. Idempotent, so servers sharing a database may prune at once.
 */
export async function pruneTelemetry(ctx: Ctx, settings: TelemetrySettings): Promise<PruneResult> {
  authorize(ctx, 'telemetry.prune');
  const now = ctx.now();
  const day = 86_400_000;
  const readingsBefore = new Date(now.getTime() - settings.readingsRetentionDays * day).toISOString();
  const rollupsBefore = new Date(now.getTime() - settings.rollupsRetentionDays * day).toISOString();
  return mutate(ctx, async (tx, audit) => {
    const count = async (query: ReturnType<typeof sql>) => {
      const result = (await tx.execute(query)) as unknown as { count?: number; affectedRows?: number };
      return Number(result.count ?? result.affectedRows ?? 0);
    };
    const pruned: PruneResult = {
      readings: await count(sql`DELETE FROM readings WHERE at < ${readingsBefore}::timestamptz`),
      interfaceRollups: await count(sql`DELETE FROM interface_rollups WHERE bucket_at < ${rollupsBefore}::timestamptz`),
      linkRollups: await count(sql`DELETE FROM link_rollups WHERE bucket_at < ${rollupsBefore}::timestamptz`),
      // Device checks go with the raw readings (one per device and method every poll adds up the
      // same way), but the newest of each device and method stays: it is what the next check is
      // judged after, and what says since when a silent device has been unreachable.
      deviceChecks: await count(
        sql`DELETE FROM device_checks c WHERE c.at < ${readingsBefore}::timestamptz
            AND EXISTS (SELECT 1 FROM device_checks n WHERE n.device_id = c.device_id AND n.method = c.method AND n.at > c.at)`,
      ),
    };
    if (pruned.readings + pruned.interfaceRollups + pruned.linkRollups + pruned.deviceChecks > 0) {
      await audit({
        action: 'telemetry.prune',
        objectType: 'telemetry',
        objectId: 'retention',
        after: {
          pruned,
          retentionDays: { readings: settings.readingsRetentionDays, deviceChecks: settings.readingsRetentionDays, rollups: settings.rollupsRetentionDays },
          before: { readings: readingsBefore, rollups: rollupsBefore },
        },
      });
    }
    return pruned;
  });
}
