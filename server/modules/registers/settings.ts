import { wholeSetting } from '../../env.js';

/**
 * The registers' knobs, read with the shared config (`config.registers`):
 *   WAIWANG_DRILL_MONTHS          a unit with no emergency drill in this many months is flagged
 *                                 and reminded (articles 20, 33), default 12
 *   WAIWANG_PLAN_MAX_BYTES        the largest emergency-plan document kept, default 10 MiB
 *   WAIWANG_REGISTERS_JOB_MS      how often the reminder and escalation job runs, default 600000
 *   WAIWANG_MAJOR_LINK_MINUTES    a boundary link down this long is a major fault, default 30
 *   WAIWANG_ESCALATE_MINUTES      a major fault unacknowledged this long is escalated one level
 *                                 further up, and again after each such period, default 30
 */
export interface RegisterSettings {
  drillMonths: number;
  planMaxBytes: number;
  jobIntervalMs: number;
  majorLinkDownMinutes: number;
  escalateMinutes: number;
}

export const defaultRegisterSettings: RegisterSettings = { drillMonths: 12, planMaxBytes: 10 * 1024 * 1024, jobIntervalMs: 600_000, majorLinkDownMinutes: 30, escalateMinutes: 30 };

export function loadRegisterSettings(env: NodeJS.ProcessEnv = process.env): RegisterSettings {
  const whole = (name: string, fallback: number, min: number, max: number) => wholeSetting(env, name, fallback, min, max);
  return {
    drillMonths: whole('WAIWANG_DRILL_MONTHS', defaultRegisterSettings.drillMonths, 1, 60),
    planMaxBytes: whole('WAIWANG_PLAN_MAX_BYTES', defaultRegisterSettings.planMaxBytes, 1024, 15 * 1024 * 1024),
    jobIntervalMs: whole('WAIWANG_REGISTERS_JOB_MS', defaultRegisterSettings.jobIntervalMs, 1000, 86_400_000),
    majorLinkDownMinutes: whole('WAIWANG_MAJOR_LINK_MINUTES', defaultRegisterSettings.majorLinkDownMinutes, 1, 10_080),
    escalateMinutes: whole('WAIWANG_ESCALATE_MINUTES', defaultRegisterSettings.escalateMinutes, 1, 10_080),
  };
}
