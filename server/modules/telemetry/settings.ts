/**
 * Telemetry's own knobs, read from the environment with the shared config (`config.telemetry`,
 * loaded by loadConfig): the verbs read them from `ctx.config`, the job from the config it is
 * given (a test may hand it others).
 *   WAIWANG_READINGS_RETENTION_DAYS  raw readings kept (default 35)
 *   WAIWANG_ROLLUPS_RETENTION_DAYS   5-minute rollups kept (default 730, two years)
 *   WAIWANG_POLL_INTERVAL_SECONDS    the agents' polling interval (default 300): a device with no
 *                                    reading for 3 of them is down
 *   WAIWANG_TELEMETRY_JOB_MS         how often the rollup / policy job runs (default 300000)
 */
export interface TelemetrySettings {
  readingsRetentionDays: number;
  rollupsRetentionDays: number;
  pollIntervalSeconds: number;
  jobIntervalMs: number;
}

export const defaultTelemetrySettings: TelemetrySettings = {
  readingsRetentionDays: 35,
  rollupsRetentionDays: 730,
  pollIntervalSeconds: 300,
  jobIntervalMs: 300_000,
};

export function loadTelemetrySettings(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const number = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, not ${raw}`);
    return value;
  };
  return {
    readingsRetentionDays: number('WAIWANG_READINGS_RETENTION_DAYS', defaultTelemetrySettings.readingsRetentionDays, 1),
    rollupsRetentionDays: number('WAIWANG_ROLLUPS_RETENTION_DAYS', defaultTelemetrySettings.rollupsRetentionDays, 1),
    pollIntervalSeconds: number('WAIWANG_POLL_INTERVAL_SECONDS', defaultTelemetrySettings.pollIntervalSeconds, 10),
    jobIntervalMs: number('WAIWANG_TELEMETRY_JOB_MS', defaultTelemetrySettings.jobIntervalMs, 1000),
  };
}
