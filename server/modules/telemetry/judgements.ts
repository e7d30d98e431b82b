/**
 * The findings the counters themselves reveal (kinds `counter32_on_fast_link` and
 * `speed_mismatch` of `findings/schema.ts`), judged on an interface's latest reading. Pure: the
 * rollup loads the state, calls this, and writes what it answers (open or resolve), so the rules
 * are tested alone (judgements.test.ts). The rules:
 *
 * - 32-bit counters (ifInOctets/ifOutOctets) on an interface that can carry more than 2^32
 *   octets per polling interval wrap more than once between two polls, and no poller can tell
 *   how often (why RFC 2863 §3.1.6 requires the 64-bit ifHC* octet counters above 20 Mbps): above
 *   `counter32WrapSpeed` (≈114.5 Mbps at 300 s) the finding opens. The speed is the first
 *   registered link's capacity, else the port's ifHighSpeed.
 * - It closes by itself once the agent reads 64-bit counters (a slower link alone does not
 *   close it: an operator who lowered the registered capacity resolves it by hand).
 * - A port slower than the circuit registered on it cannot carry the circuit: `speed_mismatch`.
 *   A faster port is normal (a 100 Mbps circuit on a GE port). Judged only while the port is up
 *   and reports a speed above 0 (0: no notion of bandwidth, RFC 2863 ifSpeed/ifHighSpeed).
 * - It closes by itself once the port reads at least the registered capacity.
 * - A finding already open is not opened again (one open finding per device, kind and subject);
 *   one not open is not resolved.
 */
import type { FindingInput } from '../findings/service.js';
import type { FindingKind } from '../findings/schema.js';
import { counter32WrapSpeed } from './rates.js';

/** The finding kinds judged here: the rollup loads which of them are open before judging. */
export const counterFindingKinds = ['counter32_on_fast_link', 'speed_mismatch'] as const satisfies readonly FindingKind[];
export type CounterFindingKind = (typeof counterFindingKinds)[number];

/** How `openFindingKeys` names an open finding. */
export function findingKey(deviceId: number, kind: FindingKind, subject: string): string {
  return `${deviceId}|${kind}|${subject}`;
}

export interface CounterState {
  deviceId: number;
  /** The interface's name: the findings' subject. */
  interfaceName: string;
  /** The first link registered on the interface (in link id order), if any. */
  link: { name: string; capacityMbps: number } | null;
  /** The interface's latest reading. */
  latest: { at: number; counterBits: 32 | 64; highSpeedMbps: number | null; operStatus: string };
  /** Intervals of this rollup dropped as `counter32_on_fast_link`, for the finding's detail. */
  dropped: number;
}

export type CounterJudgement =
  | { action: 'open'; finding: FindingInput & { kind: CounterFindingKind; subject: string } }
  | { action: 'resolve'; resolution: { deviceId: number; kind: CounterFindingKind; subject: string; comment: string; at: Date } };

/** What the interface's latest reading says about its counter findings, in the order to apply. */
export function judgeCounters(state: CounterState, open: ReadonlySet<string>, options: { pollIntervalSeconds: number; now: Date }): CounterJudgement[] {
  const { deviceId, interfaceName: name, link, latest } = state;
  const at = options.now;
  const isOpen = (kind: CounterFindingKind) => open.has(findingKey(deviceId, kind, name));
  const judgements: CounterJudgement[] = [];

  const wrapMbps = counter32WrapSpeed(options.pollIntervalSeconds) / 1e6;
  const speedMbps = link?.capacityMbps ?? latest.highSpeedMbps ?? null;
  const fast = latest.counterBits === 32 && speedMbps !== null && speedMbps > wrapMbps;
  if (fast && !isOpen('counter32_on_fast_link')) {
    judgements.push({
      action: 'open',
      finding: {
        deviceId,
        kind: 'counter32_on_fast_link',
        subject: name,
        detail:
          `${name} is read with 32-bit counters, which can wrap more than once per ${options.pollIntervalSeconds}-second poll ` +
          `at ${speedMbps} Mbps (anything above ${wrapMbps.toFixed(1)} Mbps): its rates cannot be trusted and ${state.dropped} interval(s) were dropped. ` +
          `Read the 64-bit ifHCInOctets/ifHCOutOctets counters (SNMP v2c or v3) instead.`,
        at,
      },
    });
  } else if (latest.counterBits === 64 && isOpen('counter32_on_fast_link')) {
    judgements.push({
      action: 'resolve',
      resolution: {
        deviceId,
        kind: 'counter32_on_fast_link',
        subject: name,
        comment: `the agent reads 64-bit counters since ${new Date(latest.at).toISOString()}`,
        at,
      },
    });
  }

  const portMbps = latest.highSpeedMbps;
  if (!link || portMbps === null || portMbps <= 0 || latest.operStatus !== 'up') return judgements;
  if (portMbps < link.capacityMbps && !isOpen('speed_mismatch')) {
    judgements.push({
      action: 'open',
      finding: {
        deviceId,
        kind: 'speed_mismatch',
        subject: name,
        detail: `${name} runs at ${portMbps} Mbps (ifHighSpeed), below the ${link.capacityMbps} Mbps registered for link ${link.name}: the port cannot carry the circuit; fix the port or the registered capacity`,
        diff: { ifHighSpeedMbps: portMbps, capacityMbps: link.capacityMbps },
        at,
      },
    });
  } else if (portMbps >= link.capacityMbps && isOpen('speed_mismatch')) {
    judgements.push({
      action: 'resolve',
      resolution: {
        deviceId,
        kind: 'speed_mismatch',
        subject: name,
        comment: `the port reads ${portMbps} Mbps, enough for the ${link.capacityMbps} Mbps circuit`,
        at,
      },
    });
  }
  return judgements;
}
