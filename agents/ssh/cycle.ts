/**
 * One SSH verification cycle: every target checked with bounded concurrency (a dead or slow
 * device costs its own timeouts, never the others'), the checks delivered through the outbox
 * (spooled when the server is away), and a table row per device for --once.
 */
import type { CycleContext, CycleReport } from '../lib/agent.js';
import type { AgentTarget } from '../lib/client.js';
import { mapLimit } from '../lib/runner.js';
import { checkDevice, type CheckResult, type SshTarget } from './check.js';

export interface SshSettings {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** `ssh.connectTimeoutMs` / `ssh.commandTimeoutMs` in the --config file, or WAIWANG_SSH_CONNECT_TIMEOUT_MS / WAIWANG_SSH_COMMAND_TIMEOUT_MS. */
export function sshSettings(file: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): SshSettings {
  const fromFile = (file.ssh ?? {}) as Partial<SshSettings>;
  const num = (value: unknown, fallback: number) => {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    // Old devices take seconds to finish a key exchange (RSA on a slow CPU); a configuration of a large box takes tens of seconds to print.
    connectTimeoutMs: num(env.WAIWANG_SSH_CONNECT_TIMEOUT_MS ?? fromFile.connectTimeoutMs, 15_000),
    commandTimeoutMs: num(env.WAIWANG_SSH_COMMAND_TIMEOUT_MS ?? fromFile.commandTimeoutMs, 60_000),
  };
}

interface CheckAnswer {
  opened?: Array<{ kind: string; subject: string }>;
  open?: Array<{ kind: string; subject: string }>;
}

const short = (s: string | null | undefined, n: number) => (s ? (s.length > n ? `${s.slice(0, n - 1)}…` : s) : '-');

export async function sshCycle(ctx: CycleContext): Promise<CycleReport> {
  const settings = sshSettings(ctx.config.file);
  const targets = ctx.targets.items.filter((t) => t.methods.includes('ssh')) as Array<AgentTarget & SshTarget>;
  const results = await mapLimit(targets, ctx.config.concurrency, (t) => checkDevice(t, settings));
  const done: Array<{ target: AgentTarget; result: CheckResult }> = [];
  const rows: CycleReport['rows'] = [];
  let devicesFailed = 0;
  let problems = 0;
  for (let i = 0; i < targets.length; i++) {
    const r = results[i];
    if (r instanceof Error) {
      devicesFailed++;
      ctx.log.error({ device: targets[i].hostname, err: r.message }, 'check failed');
      rows.push([targets[i].hostname, targets[i].dialect ?? '-', 'error', '-', '-', '-', '-', '-', '-', short(r.message, 60)]);
      continue;
    }
    done.push({ target: targets[i], result: r });
  }
  const deliveries = await ctx.outbox.deliver(done.map(({ result }) => ({ kind: 'device-check', path: '/api/v1/device-checks', body: result.check })));
  done.forEach(({ target, result }, i) => {
    const { check, errors } = result;
    const delivery = deliveries[i];
    const failed = check.status !== 'ok' || errors.length > 0;
    if (failed) devicesFailed++;
    let findings = '-';
    if (delivery.status === 'sent') {
      const answer = delivery.answer as CheckAnswer;
      const open = answer.open ?? answer.opened ?? [];
      if (open.length) {
        problems++;
        findings = open.map((f) => (f.subject ? `${f.kind}(${f.subject})` : f.kind)).join(' ');
      }
    } else if (delivery.status === 'spooled') {
      problems++;
      findings = 'spooled';
    } else {
      problems++;
      findings = `refused ${delivery.httpStatus}`;
      ctx.log.error({ device: target.hostname, status: delivery.httpStatus, answer: delivery.answer }, 'the server refused the check');
    }
    rows.push([
      target.hostname,
      target.dialect ?? '-',
      check.status,
      short(check.identity?.sysName, 24),
      short(check.identity?.serial, 24),
      check.interfaces ? String(check.interfaces.length) : '-',
      check.neighbors ? String(check.neighbors.length) : 'not checked',
      check.configSha256 ? check.configSha256.slice(0, 12) : '-',
      findings,
      errors.length ? short(errors.join('; '), 80) : '',
    ]);
    ctx.log.info({ device: target.hostname, status: check.status, errors, findings }, 'device checked');
  });
  return {
    columns: ['device', 'dialect', 'status', 'sysName', 'serial', 'ifaces', 'lldp', 'config', 'findings', 'errors'],
    rows,
    devices: targets.length,
    devicesFailed,
    problems,
  };
}
