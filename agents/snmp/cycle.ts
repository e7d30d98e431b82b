import type { CycleContext, CycleReport } from '../lib/agent.js';
import type { SpoolItem } from '../lib/spool.js';
import { mapLimit } from '../lib/runner.js';
import { pollDevice, type DeviceMemory, type DevicePoll, type PollOptions, type Reading } from './poll.js';

/** POST /api/v1/readings takes at most 10,000 readings per batch. */
export const READINGS_PER_BATCH = 10_000;

export interface SnmpSettings {
  varbindsPerPdu: number;
  pdusInFlight: number;
}

/**
 * Varbinds per GET PDU. Measured with Debian's snmpd 5.9.3 on loopback: it answers GETs of up to
 * 3,000 Counter64 varbinds (a ~65 KB answer, the UDP datagram limit) and stays silent at 3,500 —
 * no tooBig, the answer is just dropped, which would look like a dead device. Real devices stop
 * much sooner (Cisco's default `snmp-server packetsize` is 1,500 bytes: about 40 counters).
 * 48 varbinds keep an answer near 1,500 bytes; a device that does say tooBig gets halves,
 * remembered. In the benchmark 400 per PDU was no faster than 48 with 4 in flight.
 */
export function snmpSettings(file: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): SnmpSettings {
  const pick = (key: string, name: string, fallback: number) => {
    const raw = env[name] ?? file[key];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} (${key}) must be a whole number ≥ 1, not ${String(raw)}`);
    return value;
  };
  return { varbindsPerPdu: pick('varbindsPerPdu', 'WAIWANG_SNMP_VARBINDS_PER_PDU', 48), pdusInFlight: pick('pdusInFlight', 'WAIWANG_SNMP_PDUS_IN_FLIGHT', 4) };
}

/** One cycle's polls (no delivery): devices polled at most `concurrency` at once, each isolated. */
export async function pollAll(ctx: Pick<CycleContext, 'targets' | 'config'>, memory: Map<string, DeviceMemory>, options: PollOptions): Promise<DevicePoll[]> {
  const devices = ctx.targets.items.filter((t) => t.methods.includes('snmp'));
  const polls = await mapLimit(devices, ctx.config.concurrency, (target) => pollDevice(target, memory, options));
  return polls.map((p, i) =>
    p instanceof Error ? { target: devices[i], status: 'unreachable', detail: `agent error: ${p.message}`, at: new Date(), identity: null, interfaces: [], remapped: false } : p,
  );
}

/** Checks per POST /api/v1/device-checks/batch (the server takes up to 2,000). */
export const CHECKS_PER_BATCH = 1_000;

/** What the polls send: reading batches of at most 10,000, then the device checks in batches. */
export function deliveries(polls: DevicePoll[]): SpoolItem[] {
  const readings: Reading[] = polls.flatMap((p) => p.interfaces.flatMap((i) => (i.reading ? [i.reading] : [])));
  const items: SpoolItem[] = [];
  for (let i = 0; i < readings.length; i += READINGS_PER_BATCH) items.push({ kind: 'readings', path: '/api/v1/readings', body: { readings: readings.slice(i, i + READINGS_PER_BATCH) } });
  const checks = polls.filter((p) => p.status !== 'not_polled').map((p) => ({
    device: p.target.id,
    at: p.at.toISOString(),
    method: 'snmp' as const,
    status: p.status as 'ok' | 'unreachable' | 'auth_failed',
    ...(p.detail ? { detail: p.detail.slice(0, 1000) } : {}),
    ...(p.identity ? { identity: p.identity } : {}),
  }));
  for (let i = 0; i < checks.length; i += CHECKS_PER_BATCH) items.push({ kind: 'device-checks', path: '/api/v1/device-checks/batch', body: { checks: checks.slice(i, i + CHECKS_PER_BATCH) } });
  return items;
}

/** The agent's cycle: poll, deliver (or spool), and the --once table. */
export function snmpCycle(memory = new Map<string, DeviceMemory>()) {
  return async (ctx: CycleContext): Promise<CycleReport> => {
    const settings = snmpSettings(ctx.config.file);
    const polls = await pollAll(ctx, memory, { timeoutMs: ctx.config.timeoutMs, retries: ctx.config.retries, ...settings });
    for (const p of polls) {
      if (p.status !== 'ok') ctx.log.warn({ device: p.target.hostname, status: p.status, detail: p.detail }, 'device failed');
    }
    const items = deliveries(polls);
    const delivered = await ctx.outbox.deliver(items);
    // Findings the server opened on the device checks, and anything it refused, count as problems.
    let problems = 0;
    const findings = new Map<string, string[]>();
    delivered.forEach((d, i) => {
      if (d.status === 'rejected') problems++;
      if (d.status === 'sent' && items[i].kind === 'device-checks') {
        const answer = d.answer as { results?: { device: string; opened: { kind: string; subject: string }[] }[] };
        for (const result of answer?.results ?? []) {
          if (result.opened.length === 0) continue;
          findings.set(result.device, result.opened.map((f) => `${f.kind}${f.subject ? `/${f.subject}` : ''}`));
          problems += result.opened.length;
        }
      }
    });
    const rows: (string | number | null)[][] = [];
    for (const p of polls) {
      const opened = findings.get(p.target.id)?.join(', ') ?? '';
      if (p.status !== 'ok') {
        rows.push([p.target.hostname, p.target.mgmtAddress, '-', null, null, null, p.status, [p.detail, opened].filter(Boolean).join('; ')]);
        continue;
      }
      if (p.interfaces.length === 0) rows.push([p.target.hostname, p.target.mgmtAddress, '-', null, null, null, 'ok', opened]);
      for (const i of p.interfaces) {
        rows.push([
          p.target.hostname,
          p.target.mgmtAddress,
          i.name,
          i.reading?.inOctets ?? null,
          i.reading?.outOctets ?? null,
          i.reading ? `${i.reading.counterBits}` : null,
          i.reading ? i.reading.operStatus : 'error',
          [i.error, opened].filter(Boolean).join('; '),
        ]);
      }
    }
    const interfaceErrors = polls.reduce((n, p) => n + p.interfaces.filter((i) => i.error).length, 0);
    return {
      columns: ['device', 'address', 'interface', 'in octets', 'out octets', 'bits', 'status', 'errors'],
      rows,
      devices: polls.length,
      devicesFailed: polls.filter((p) => p.status !== 'ok').length,
      problems: problems + interfaceErrors,
    };
  };
}
