import fs from 'node:fs';
import path from 'node:path';

/**
 * An agent's settings. Read, each overriding the one before: defaults, the JSON file named by
 * `--config FILE` (the same keys as below), the environment, the command line (`--once`).
 *
 *   WAIWANG_SERVER                  the server's base URL (http://10.45.0.2:8080)
 *   WAIWANG_AGENT_TOKEN             the agent user's token
 *   WAIWANG_SPOOL_DIR               the spool (default ./spool/<agent>)
 *   WAIWANG_AGENT_INTERVAL_SECONDS  the cycle; default: the server's pollIntervalSeconds from the targets answer, else 300
 *   WAIWANG_AGENT_CONCURRENCY       devices polled at once (default 32)
 *   WAIWANG_AGENT_TIMEOUT_MS        one device request's timeout (default 2000)
 *   WAIWANG_AGENT_RETRIES           retries of a device request after a timeout (default 1)
 *   WAIWANG_AGENT_HTTP_TIMEOUT_MS   one request to the server (default 30000)
 *   WAIWANG_AGENT_HTTP_RETRIES      retries of a request to the server on network errors and 5xx (default 3)
 *   WAIWANG_AGENT_SPOOL_MAX_BYTES   the spool's bound; the oldest entries are dropped (and counted) beyond it (default 256 MiB)
 *   WAIWANG_AGENT_METRICS_PORT      serve Prometheus /metrics on 127.0.0.1:<port> (default: off)
 *   WAIWANG_AGENT_METRICS_HOST      the address /metrics listens on (default 127.0.0.1)
 *   WAIWANG_AGENT_LOG_LEVEL         pino level (default info)
 *   WAIWANG_AGENT_LEASE_SECONDS     also lease unassigned devices of the agent's unit subtree for
 *                                   this long each cycle (GET /agent/targets?lease=); off by default;
 *                                   make it longer than the interval (2 × or more) or the lease lapses between cycles
 *   WAIWANG_AGENT_LEASE_MAX         at most this many leased devices (default 100)
 */
export interface AgentConfig {
  /** The agent's name: 'snmp' or 'ssh' (the spool's default directory, the logs). */
  agent: string;
  server: string;
  token: string;
  spoolDir: string;
  /** Null: follow the server's pollIntervalSeconds. */
  intervalSeconds: number | null;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  httpTimeoutMs: number;
  httpRetries: number;
  spoolMaxBytes: number;
  metricsPort: number | null;
  metricsHost: string;
  /** Null: no leasing, only the devices assigned to the agent. */
  leaseSeconds: number | null;
  leaseMax: number;
  logLevel: string;
  once: boolean;
  /** The file's whole content: agent-specific keys live beside the shared ones. */
  file: Record<string, unknown>;
}

export class ConfigError extends Error {}

const numberKeys = {
  intervalSeconds: ['WAIWANG_AGENT_INTERVAL_SECONDS', 10],
  concurrency: ['WAIWANG_AGENT_CONCURRENCY', 1],
  timeoutMs: ['WAIWANG_AGENT_TIMEOUT_MS', 50],
  retries: ['WAIWANG_AGENT_RETRIES', 0],
  httpTimeoutMs: ['WAIWANG_AGENT_HTTP_TIMEOUT_MS', 100],
  httpRetries: ['WAIWANG_AGENT_HTTP_RETRIES', 0],
  spoolMaxBytes: ['WAIWANG_AGENT_SPOOL_MAX_BYTES', 4096],
  metricsPort: ['WAIWANG_AGENT_METRICS_PORT', 0],
  leaseSeconds: ['WAIWANG_AGENT_LEASE_SECONDS', 30],
  leaseMax: ['WAIWANG_AGENT_LEASE_MAX', 1],
} as const satisfies Record<string, readonly [string, number]>;

const stringKeys = {
  server: 'WAIWANG_SERVER',
  token: 'WAIWANG_AGENT_TOKEN',
  spoolDir: 'WAIWANG_SPOOL_DIR',
  metricsHost: 'WAIWANG_AGENT_METRICS_HOST',
  logLevel: 'WAIWANG_AGENT_LOG_LEVEL',
} as const;

export function loadAgentConfig(
  agent: string,
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  defaults: Partial<AgentConfig> = {},
): AgentConfig {
  const config: AgentConfig = {
    agent,
    server: '',
    token: '',
    spoolDir: path.join('.', 'spool', agent),
    intervalSeconds: null,
    concurrency: 32,
    timeoutMs: 2000,
    retries: 1,
    httpTimeoutMs: 30_000,
    httpRetries: 3,
    spoolMaxBytes: 256 * 1024 * 1024,
    metricsPort: null,
    metricsHost: '127.0.0.1',
    leaseSeconds: null,
    leaseMax: 100,
    logLevel: 'info',
    once: false,
    file: {},
    ...defaults,
  };
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--once') config.once = true;
    else if (arg === '--config') configFile = argv[++i];
    else if (arg.startsWith('--config=')) configFile = arg.slice('--config='.length);
    else if (arg === '--') continue;
    else throw new ConfigError(`unknown argument ${arg}: the agent takes --once and --config FILE`);
  }
  if (configFile !== undefined) {
    if (!configFile) throw new ConfigError('--config needs a file name');
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read the configuration file ${configFile}: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${configFile} must hold a JSON object`);
    config.file = parsed as Record<string, unknown>;
    for (const key of Object.keys(stringKeys) as (keyof typeof stringKeys)[]) {
      const value = config.file[key];
      if (value === undefined) continue;
      if (typeof value !== 'string') throw new ConfigError(`${configFile}: ${key} must be a string`);
      config[key] = value;
    }
    for (const [key, [, min]] of Object.entries(numberKeys) as [keyof typeof numberKeys, readonly [string, number]][]) {
      const value = config.file[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new ConfigError(`${configFile}: ${key} must be a number ≥ ${min}`);
      config[key] = value;
    }
  }
  for (const [key, name] of Object.entries(stringKeys) as [keyof typeof stringKeys, string][]) {
    const value = env[name];
    if (value !== undefined && value !== '') config[key] = value;
  }
  for (const [key, [name, min]] of Object.entries(numberKeys) as [keyof typeof numberKeys, readonly [string, number]][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new ConfigError(`${name} must be a number ≥ ${min}, not ${raw}`);
    config[key] = value;
  }
  if (config.metricsPort === 0) config.metricsPort = null;
  if (!config.server) throw new ConfigError('no server: set WAIWANG_SERVER (e.g. http://10.45.0.2:8080) or "server" in the --config file');
  try {
    new URL(config.server);
  } catch {
    throw new ConfigError(`WAIWANG_SERVER ${config.server} is not a URL (e.g. http://10.45.0.2:8080)`);
  }
  if (!config.token) throw new ConfigError('no token: set WAIWANG_AGENT_TOKEN to the agent user’s token (POST /api/v1/users/{username}/tokens)');
  return config;
}
