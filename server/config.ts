import path from 'node:path';
import { parseAddress, parseCidr } from './net/cidr.js';
import { wholeSetting } from './env.js';
import { defaultPostgresTimeouts, type PostgresTimeouts } from './db/client.js';
import { loadTelemetrySettings, type TelemetrySettings } from './modules/telemetry/settings.js';
import { loadWorkflowSettings, type WorkflowSettings } from './modules/applications/settings.js';
import { loadRegisterSettings, type RegisterSettings } from './modules/registers/settings.js';

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  bootstrapToken?: string;
  secretKey?: string;
  tlsCert?: string;
  tlsKey?: string;
  auditAnchorPath: string;
  /** SM3 (国密, article 34) unless configured otherwise. */
  auditHash: 'sm3' | 'sha256';
  auditSealIntervalMs: number;
  /** How often the appliance vacuums and analyzes its tables where autovacuum does not run (db/maintenance.ts); 0: never. */
  maintenanceIntervalMs: number;
  /**
   * WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS: prefixes (comma or space separated, canonical CIDR or
   * single addresses) that webhooks may reach although they are loopback, link-local, … or the
   * appliance's own (server/modules/webhooks/targets.ts), e.g. `127.0.0.1/32` for tests or a
   * receiver on the appliance itself. Empty by default. Private RFC 1918 space needs no entry.
   */
  webhookAllowPrivateTargets: string[];
  /** Connect, statement and idle-in-transaction timeouts of the PostgreSQL pool (db/client.ts). */
  postgresTimeouts: PostgresTimeouts;
  logLevel: string;
  /** Retention, polling interval and job period of the telemetry module (its settings.ts). */
  telemetry: TelemetrySettings;
  /** Acceptance and review periods in working days, the reminder lead, the reminder job's period (applications/settings.ts). */
  workflow: WorkflowSettings;
  /** Drill lapse, plan document size, the registers job's period (registers/settings.ts). */
  registers: RegisterSettings;
}

function parseAllowedTargets(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      try {
        if (!entry.includes('/')) {
          const address = parseAddress(entry);
          return `${address.text}/${address.family === 4 ? 32 : 128}`;
        }
        return parseCidr(entry).text;
      } catch (err) {
        throw new Error(`WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS: ${JSON.stringify(entry)} is not a prefix: ${(err as Error).message}`);
      }
    });
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0, not ${JSON.stringify(text)}`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.WAIWANG_DATA_DIR || './data');
  const auditHash = (env.WAIWANG_AUDIT_HASH || 'sm3').toLowerCase();
  if (auditHash !== 'sm3' && auditHash !== 'sha256') {
    throw new Error(`WAIWANG_AUDIT_HASH must be sm3 or sha256, not ${auditHash}`);
  }
  const port = Number(env.PORT || 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env.PORT}`);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    bootstrapToken: env.WAIWANG_BOOTSTRAP_TOKEN || undefined,
    secretKey: env.WAIWANG_SECRET_KEY || undefined,
    tlsCert: env.WAIWANG_TLS_CERT || undefined,
    tlsKey: env.WAIWANG_TLS_KEY || undefined,
    auditAnchorPath: path.resolve(env.WAIWANG_AUDIT_ANCHOR || path.join(dataDir, 'audit-anchors.log')),
    auditHash,
    auditSealIntervalMs: Number(env.WAIWANG_AUDIT_SEAL_MS || 1000),
    maintenanceIntervalMs: wholeSetting(env, 'WAIWANG_MAINTENANCE_INTERVAL_S', 60, 0, 86_400, 'seconds') * 1000,
    webhookAllowPrivateTargets: parseAllowedTargets(env.WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS),
    postgresTimeouts: {
      connectTimeoutS: positiveNumber(env, 'WAIWANG_DB_CONNECT_TIMEOUT_S', defaultPostgresTimeouts.connectTimeoutS),
      statementTimeoutMs: positiveNumber(env, 'WAIWANG_DB_STATEMENT_TIMEOUT_MS', defaultPostgresTimeouts.statementTimeoutMs),
      idleInTransactionTimeoutMs: positiveNumber(env, 'WAIWANG_DB_IDLE_TX_TIMEOUT_MS', defaultPostgresTimeouts.idleInTransactionTimeoutMs),
    },
    logLevel: env.LOG_LEVEL || 'info',
    telemetry: loadTelemetrySettings(env),
    workflow: loadWorkflowSettings(env),
    registers: loadRegisterSettings(env),
  };
}
