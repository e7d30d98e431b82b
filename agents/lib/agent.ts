import type { Logger } from 'pino';
import { ApiClient, Refused, ServerUnavailable, type AgentTargets } from './client.js';
import { ConfigError, loadAgentConfig, type AgentConfig } from './config.js';
import { agentLogger } from './log.js';
import { AgentMetrics } from './metrics.js';
import { Outbox } from './outbox.js';
import { runEvery } from './runner.js';
import { Spool } from './spool.js';
import { formatTable } from './table.js';

export interface CycleContext {
  config: AgentConfig;
  log: Logger;
  client: ApiClient;
  outbox: Outbox;
  metrics: AgentMetrics;
  targets: AgentTargets;
  signal: AbortSignal;
}

/** What a cycle did: the --once table and the counts the exit code and the metrics come from. */
export interface CycleReport {
  columns: string[];
  rows: (string | number | null)[][];
  devices: number;
  devicesFailed: number;
  /** Anything else wrong (findings opened, entries refused or spooled): a non-zero --once exit. */
  problems: number;
}

export interface AgentDefinition {
  /** 'snmp' | 'ssh': the targets' method, the spool's default directory, the logs. */
  method: 'snmp' | 'ssh';
  cycle: (ctx: CycleContext) => Promise<CycleReport>;
}

export interface RunningAgent {
  /** Resolves with the exit code once the agent stops (after one cycle with --once). */
  done: Promise<number>;
  stop: () => void;
  metricsPort: number | null;
}

/** An agent wired up, cycles run on demand (tests drive it; startAgent runs it). */
export interface Agent {
  config: AgentConfig;
  log: Logger;
  client: ApiClient;
  spool: Spool;
  outbox: Outbox;
  metrics: AgentMetrics;
  metricsPort: number | null;
  /** The interval in force: the config's, else the server's pollIntervalSeconds, else 300. */
  interval(): number;
  /** One cycle: replay the spool, fetch the targets (the last known when the server is away), poll, deliver. Null: nothing known to poll yet. */
  cycle(): Promise<CycleReport | null>;
  stop(): void;
  close(): Promise<void>;
  signal: AbortSignal;
}

/**
 * Wires an agent: configuration, JSON logs, the API client, the spool and outbox, metrics. The
 * targets are fetched every cycle; when the server is away the last ones are used (in memory
 * only: credentials never touch the disk), so polling and spooling go on.
 */
export async function createAgent(definition: AgentDefinition, options: { argv?: string[]; env?: NodeJS.ProcessEnv; log?: Logger } = {}): Promise<Agent> {
  const config = loadAgentConfig(definition.method, options.argv, options.env);
  const log = options.log ?? agentLogger(definition.method, config.logLevel);
  const metrics = new AgentMetrics(definition.method);
  const client = new ApiClient({ server: config.server, token: config.token, timeoutMs: config.httpTimeoutMs, retries: config.httpRetries, log });
  const spool = await Spool.open(config.spoolDir, { maxBytes: config.spoolMaxBytes, log });
  const outbox = new Outbox(client, spool, { metrics, log });
  const served = config.metricsPort !== null ? await metrics.serve(config.metricsPort, config.metricsHost) : null;
  const abort = new AbortController();
  let targets: AgentTargets | null = null;
  let serverInterval: number | null = null;

  async function cycle(): Promise<CycleReport | null> {
    const started = performance.now();
    await outbox.flush();
    try {
      targets = await client.targets(definition.method, { lease: config.leaseSeconds, max: config.leaseMax });
      if (targets.pollIntervalSeconds) serverInterval = targets.pollIntervalSeconds;
    } catch (err) {
      if (err instanceof Refused) {
        log.error({ status: err.status, answer: err.answer }, 'the server refused the targets request: check the token and the agent user');
        if (!targets) throw err;
      } else if (err instanceof ServerUnavailable) {
        if (!targets) {
          log.error({ err: err.message }, 'the server is away and no targets are known yet: nothing to poll this cycle');
          return null;
        }
        log.warn({ err: err.message }, 'the server is away: polling the last known targets');
      } else throw err;
    }
    const report = await definition.cycle({ config, log, client, outbox, metrics, targets: targets!, signal: abort.signal });
    const seconds = (performance.now() - started) / 1000;
    metrics.cycleSeconds.observe(seconds);
    metrics.lastCycleSeconds.set(seconds);
    metrics.devices.set(report.devices);
    metrics.devicesFailed.set(report.devicesFailed);
    log.info({ seconds: Math.round(seconds * 1000) / 1000, devices: report.devices, failed: report.devicesFailed, problems: report.problems, spoolDepth: spool.depth }, 'cycle done');
    return report;
  }

  return {
    config,
    log,
    client,
    spool,
    outbox,
    metrics,
    metricsPort: served?.port ?? null,
    interval: () => config.intervalSeconds ?? serverInterval ?? 300,
    cycle,
    stop: () => abort.abort(),
    close: async () => {
      abort.abort();
      await served?.close();
    },
    signal: abort.signal,
  };
}

/**
 * Runs an agent: one cycle (--once: prints the table, exit 0 only when every device answered
 * and nothing was wrong and nothing waits in the spool) or a cycle per interval with jitter
 * until SIGINT/SIGTERM (or stop()).
 */
export async function startAgent(definition: AgentDefinition, options: { argv?: string[]; env?: NodeJS.ProcessEnv; out?: NodeJS.WritableStream; log?: Logger } = {}): Promise<RunningAgent> {
  const out = options.out ?? process.stdout;
  const agent = await createAgent(definition, options);
  const { config, log, spool } = agent;
  const done = (async () => {
    try {
      if (config.once) {
        const report = await agent.cycle();
        if (!report) return 1;
        out.write(formatTable(report.columns, report.rows));
        if (spool.depth > 0) out.write(`spool: ${spool.depth} entries wait in ${config.spoolDir} (the server did not take them)\n`);
        return report.devicesFailed === 0 && report.problems === 0 && spool.depth === 0 ? 0 : 1;
      }
      const onSignal = () => agent.stop();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      await runEvery(agent.interval, async () => void (await agent.cycle()), { signal: agent.signal, onError: (err) => log.error({ err }, 'cycle failed') });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      return 0;
    } finally {
      await agent.close();
    }
  })();
  return { done, stop: agent.stop, metricsPort: agent.metricsPort };
}

/** The command-line entry: runs the agent, exits with its code; a configuration error is one sentence and exit 2. */
export async function main(definition: AgentDefinition): Promise<void> {
  try {
    const agent = await startAgent(definition);
    process.exitCode = await agent.done;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`waiwang agent ${definition.method}: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`waiwang agent ${definition.method}: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  }
}
