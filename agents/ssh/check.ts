/**
 * One device's check: connect, run the dialect's commands, parse, and build the body of
 * POST /api/v1/device-checks. Secrets are masked here by the dialect's configuration rules:
 * only the masked text and its hash leave the agent.
 */
import { createHash } from 'node:crypto';
import { dialects } from './dialects/index.js';
import type { CheckedInterface, CheckedNeighbor, Dialect, DialectName } from './dialects/types.js';
import { CommandTimeout, openSession, SshFailure, type Session, type SshEndpoint } from './transport.js';

export type CheckStatus = 'ok' | 'unreachable' | 'auth_failed' | 'host_key_changed';

/** The body of POST /api/v1/device-checks for method ssh. An absent list means "not checked", never "none". */
export interface DeviceCheck {
  device: string;
  at: string;
  method: 'ssh';
  status: CheckStatus;
  hostKeySha256?: string;
  identity?: { sysName: string | null; serial: string | null };
  interfaces?: CheckedInterface[];
  neighbors?: CheckedNeighbor[];
  configSha256?: string;
  config?: string;
  /** why the device could not be read, or which commands failed */
  detail?: string;
}

/** What the agent reads of a target (GET /api/v1/agent/targets?method=ssh). */
export interface SshTarget {
  id: string;
  hostname: string;
  dialect: string | null;
  mgmtAddress: string | null;
  ssh?: {
    port: number;
    username: string | null;
    password?: string;
    privateKey?: string;
    passphrase?: string;
    hostKeySha256: string | null;
    legacyAlgorithms?: boolean;
  } | null;
}

export interface CheckOptions {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** tests and the benchmark point every device at one sshd */
  hostOverride?: (target: SshTarget) => { host: string; port: number } | null;
  now?: () => Date;
}

export interface CheckResult {
  check: DeviceCheck;
  /** commands that failed; the check still carries what was read */
  errors: string[];
}

export function configHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function failed(dialect: Dialect, output: string): boolean {
  return dialect.errors.some((p) => p.test(output));
}

export async function checkDevice(target: SshTarget, options: CheckOptions): Promise<CheckResult> {
  const at = (options.now?.() ?? new Date()).toISOString();
  const base = { device: target.id, at, method: 'ssh' as const };
  const dialect = target.dialect ? dialects[target.dialect as DialectName] : undefined;
  if (!dialect) return { check: { ...base, status: 'unreachable', detail: `no dialect this agent speaks (${target.dialect ?? 'none set'})` }, errors: ['no dialect'] };
  if (!target.ssh || !target.ssh.username) return { check: { ...base, status: 'unreachable', detail: 'no SSH username registered' }, errors: ['no SSH credentials'] };
  const where = options.hostOverride?.(target) ?? (target.mgmtAddress ? { host: target.mgmtAddress, port: target.ssh.port } : null);
  if (!where) return { check: { ...base, status: 'unreachable', detail: 'no management address registered' }, errors: ['no address'] };
  const endpoint: SshEndpoint = {
    ...where,
    username: target.ssh.username,
    password: target.ssh.password,
    privateKey: target.ssh.privateKey,
    passphrase: target.ssh.passphrase,
    hostKeySha256: target.ssh.hostKeySha256,
    legacyAlgorithms: Boolean(target.ssh.legacyAlgorithms) || dialect.legacyAlgorithms,
  };
  let session: Session;
  try {
    session = await openSession(endpoint, {
      prompt: dialect.prompt,
      pager: dialect.pager,
      pagerAnswer: dialect.pagerAnswer,
      mode: dialect.exec ? 'exec' : 'shell',
      connectTimeoutMs: options.connectTimeoutMs,
      commandTimeoutMs: options.commandTimeoutMs,
    });
  } catch (err) {
    if (err instanceof SshFailure) {
      return {
        check: { ...base, status: err.kind, ...(err.presentedHostKey ? { hostKeySha256: err.presentedHostKey } : {}), detail: err.message },
        errors: [err.message],
      };
    }
    if (err instanceof CommandTimeout) return { check: { ...base, status: 'unreachable', detail: err.message }, errors: [err.message] };
    throw err;
  }
  const errors: string[] = [];
  const check: DeviceCheck = { ...base, status: 'ok', hostKeySha256: session.presentedHostKey };
  const run = async (command: string): Promise<string | null> => {
    try {
      const output = await session.run(command);
      return output;
    } catch (err) {
      errors.push(`${command}: ${(err as Error).message}`);
      return null;
    }
  };
  try {
    if (!dialect.exec) {
      const off = await run(dialect.pagingOff);
      if (off !== null && failed(dialect, off)) errors.push(`${dialect.pagingOff}: ${off.trim()}`);
    }
    const config = await run(dialect.commands.config);
    let configText: string | null = null;
    let sysName: string | null = null;
    if (config !== null && !failed(dialect, config)) {
      const parsed = dialect.parseConfig(config);
      configText = parsed.text;
      sysName = parsed.sysName;
      check.config = parsed.text;
      check.configSha256 = configHash(parsed.text);
    } else if (config !== null) errors.push(`${dialect.commands.config}: ${config.trim().split('\n').pop()}`);

    const brief = await run(dialect.commands.interfaces);
    if (brief !== null && !failed(dialect, brief) && configText !== null) {
      try {
        check.interfaces = dialect.parseInterfaces(brief, configText);
      } catch (err) {
        errors.push((err as Error).message);
      }
    } else if (brief !== null && failed(dialect, brief)) errors.push(`${dialect.commands.interfaces}: ${brief.trim().split('\n').pop()}`);

    if (dialect.commands.neighbors) {
      const lldp = await run(dialect.commands.neighbors);
      // LLDP off: neighbours stay absent ("not checked"), which the server never reads as moved.
      if (lldp !== null && !dialect.lldpDisabled.some((p) => p.test(lldp))) {
        if (failed(dialect, lldp)) errors.push(`${dialect.commands.neighbors}: ${lldp.trim().split('\n').pop()}`);
        else {
          try {
            check.neighbors = dialect.parseNeighbors(lldp);
          } catch (err) {
            errors.push((err as Error).message);
          }
        }
      }
    }

    const identity = await run(dialect.commands.identity);
    const serial = identity !== null && !failed(dialect, identity) ? dialect.parseSerial(identity) : null;
    if (identity !== null && serial === null) errors.push(`${dialect.commands.identity}: no serial number in the answer`);
    check.identity = { sysName, serial };
  } finally {
    session.close();
  }
  if (errors.length) check.detail = errors.join('; ');
  return { check, errors };
}
