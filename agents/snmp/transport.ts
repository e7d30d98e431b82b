import type { AgentTarget } from '../lib/client.js';

/** A varbind as the agent uses it: numbers exact (bigint for counters), errors named. */
export type SnmpValue =
  | { type: 'integer' | 'counter32' | 'gauge32' | 'timeticks' | 'counter64'; value: bigint }
  | { type: 'octets'; value: Buffer }
  | { type: 'oid'; value: string }
  | { type: 'noSuchObject' | 'noSuchInstance' | 'endOfMibView' | 'null' | 'other'; value: null };

export interface Varbind {
  oid: string;
  value: SnmpValue;
}

export type SnmpFailure = 'timeout' | 'auth' | 'tooBig' | 'protocol';

export class SnmpError extends Error {
  constructor(
    readonly kind: SnmpFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The small interface both libraries sit behind: snmp-native for v2c (the design's choice,
 * many varbinds per GET), net-snmp for SNMPv3 (snmp-native has none). Chosen per device by its
 * credentials (`openTransport` in sessions.ts).
 */
export interface SnmpTransport {
  /** One GET PDU with these varbinds; the answer in the same order. */
  get(oids: string[]): Promise<Varbind[]>;
  /** Every varbind below `oid` (GetNext or GetBulk, as the library does). */
  walk(oid: string): Promise<Varbind[]>;
  close(): void;
}

export const isMissing = (v: SnmpValue) => v.type === 'noSuchObject' || v.type === 'noSuchInstance' || v.type === 'endOfMibView' || v.type === 'null';

export function numberOf(v: SnmpValue): bigint | null {
  return v.type === 'integer' || v.type === 'counter32' || v.type === 'gauge32' || v.type === 'timeticks' || v.type === 'counter64' ? v.value : null;
}

export function textOf(v: SnmpValue): string | null {
  if (v.type === 'octets') return v.value.toString('utf8');
  if (v.type === 'oid') return v.value;
  return null;
}

export interface TransportOptions {
  host: string;
  port: number;
  timeoutMs: number;
  retries: number;
}

export type SnmpCredentials = NonNullable<AgentTarget['snmp']>;
