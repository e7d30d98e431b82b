import type { AgentTarget } from '../lib/client.js';
import { chassisClass, oid, operStatusNames } from './oids.js';
import { openTransport } from './sessions.js';
import { isMissing, numberOf, SnmpError, textOf, type SnmpTransport, type SnmpValue, type TransportOptions } from './transport.js';

/** A raw reading as POST /api/v1/readings takes it. */
export interface Reading {
  device: string;
  ifName: string;
  at: string;
  sysUpTime: number;
  inOctets: string;
  outOctets: string;
  counterBits: 32 | 64;
  highSpeedMbps: number | null;
  operStatus: string;
}

export interface InterfaceResult {
  name: string;
  reading: Reading | null;
  error: string | null;
}

export interface DevicePoll {
  target: AgentTarget;
  /** `not_polled`: the registry gives no address or credentials; no check is posted (it would say nothing about the device). */
  status: 'ok' | 'unreachable' | 'auth_failed' | 'not_polled';
  detail: string | null;
  at: Date;
  identity: { sysName: string | null; serial: string | null; sysObjectID: string | null } | null;
  interfaces: InterfaceResult[];
  /** Whether the ifName → ifIndex map was walked this cycle (first poll, reboot, vanished index). */
  remapped: boolean;
}

/** What the agent remembers of a device between cycles. */
export interface DeviceMemory {
  /** host:port the memory is about: a device moved to another address is learnt afresh. */
  address: string;
  ifIndex: Map<string, number> | null;
  /** Target names the last walk did not find: they do not trigger a walk every cycle. */
  absent: Set<string>;
  /** The chassis row of entPhysicalTable; null: the device has none (or no ENTITY-MIB). */
  chassisIndex: number | null | undefined;
  lastUpTime: bigint | null;
  /** Varbinds per GET PDU that the device took (shrinks on tooBig). */
  varbindsPerPdu: number;
}

export interface PollOptions extends Omit<TransportOptions, 'host' | 'port'> {
  varbindsPerPdu: number;
  pdusInFlight: number;
  /** Tests and benchmarks hand a transport of their own. */
  transport?: (target: AgentTarget) => SnmpTransport;
}

const MAX_TIMETICKS = 2n ** 32n - 1n;

/**
 * One device, one cycle: the system group (sysName, sysUpTime, sysObjectID) and the chassis
 * serial, then the four IF-MIB columns of every target interface in GET PDUs of many varbinds,
 * several in flight. No answer after the retries: `unreachable`, and nothing more is asked (a
 * dead device costs its timeout once). Never throws: every failure is in the result.
 */
export async function pollDevice(target: AgentTarget, memory: Map<string, DeviceMemory>, options: PollOptions): Promise<DevicePoll> {
  const result: DevicePoll = { target, status: 'ok', detail: null, at: new Date(), identity: null, interfaces: [], remapped: false };
  let transport: SnmpTransport;
  try {
    transport = options.transport ? options.transport(target) : openTransport(target, options);
  } catch (err) {
    return { ...result, status: 'not_polled', detail: (err as Error).message };
  }
  try {
    const address = `${target.mgmtAddress}:${target.snmp?.port ?? 161}`;
    let mem = memory.get(target.id);
    if (!mem || mem.address !== address) {
      mem = { address, ifIndex: null, absent: new Set(), chassisIndex: undefined, lastUpTime: null, varbindsPerPdu: options.varbindsPerPdu };
      memory.set(target.id, mem);
    }
    const serialOid = typeof mem.chassisIndex === 'number' ? `${oid.entPhysicalSerialNum}.${mem.chassisIndex}` : null;
    const system = await transport.get([oid.sysName, oid.sysUpTime, oid.sysObjectID, ...(serialOid ? [serialOid] : [])]);
    result.at = new Date();
    const value = (o: string) => system.find((vb) => vb.oid === o)?.value;
    const upTime = numberOf(value(oid.sysUpTime) ?? { type: 'null', value: null }) ?? 0n;
    const rebooted = mem.lastUpTime !== null && upTime < mem.lastUpTime;
    mem.lastUpTime = upTime;
    let serial = serialOid ? textOf(value(serialOid) ?? { type: 'null', value: null }) : null;
    if (mem.chassisIndex === undefined || rebooted) {
      mem.chassisIndex = await chassisIndexOf(transport);
      if (mem.chassisIndex !== null) {
        const [vb] = await transport.get([`${oid.entPhysicalSerialNum}.${mem.chassisIndex}`]);
        serial = textOf(vb.value);
      }
    }
    result.identity = {
      sysName: textOf(value(oid.sysName) ?? { type: 'null', value: null }),
      serial: serial && serial.trim() !== '' ? serial.trim() : null,
      sysObjectID: textOf(value(oid.sysObjectID) ?? { type: 'null', value: null }),
    };

    const wanted = target.interfaces.map((i) => i.name);
    if (mem.ifIndex === null || rebooted || wanted.some((name) => !mem.ifIndex!.has(name) && !mem.absent.has(name))) {
      mem.ifIndex = await ifIndexMap(transport);
      mem.absent = new Set(wanted.filter((name) => !mem.ifIndex!.has(name)));
      result.remapped = true;
    }
    const sysUpTime = Number(upTime > MAX_TIMETICKS ? upTime % (MAX_TIMETICKS + 1n) : upTime);
    let read = await readInterfaces(transport, target, wanted, mem, options, sysUpTime);
    // An ifIndex that stopped answering (an interface removed and re-added gets a new one): map again, once.
    const vanished = read.filter((r) => r.error === 'vanished').map((r) => r.name);
    if (vanished.length > 0 && !result.remapped) {
      mem.ifIndex = await ifIndexMap(transport);
      mem.absent = new Set(wanted.filter((name) => !mem.ifIndex!.has(name)));
      result.remapped = true;
      const again = await readInterfaces(transport, target, vanished, mem, options, sysUpTime);
      read = read.map((r) => again.find((a) => a.name === r.name) ?? r);
    }
    result.interfaces = read.map((r) => (r.error === 'vanished' ? { ...r, error: `${r.name} no longer answers on the device` } : r));
    return result;
  } catch (err) {
    if (err instanceof SnmpError && (err.kind === 'timeout' || err.kind === 'auth')) {
      return { ...result, status: err.kind === 'auth' ? 'auth_failed' : 'unreachable', detail: err.message, identity: null, interfaces: [] };
    }
    return { ...result, status: 'unreachable', detail: `SNMP error: ${(err as Error).message}`, identity: null, interfaces: [] };
  } finally {
    transport.close();
  }
}

async function chassisIndexOf(transport: SnmpTransport): Promise<number | null> {
  try {
    const rows = await transport.walk(oid.entPhysicalClass);
    const chassis = rows.filter((vb) => numberOf(vb.value) === chassisClass).map((vb) => Number(vb.oid.slice(oid.entPhysicalClass.length + 1)));
    return chassis.length ? Math.min(...chassis) : null;
  } catch (err) {
    if (err instanceof SnmpError && err.kind !== 'protocol') throw err;
    return null;
  }
}

/** Walks ifName: the only walk the agent makes; its map is kept until a reboot or a vanished index. */
async function ifIndexMap(transport: SnmpTransport): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  for (const vb of await transport.walk(oid.ifName)) {
    const name = textOf(vb.value);
    if (name !== null) map.set(name, Number(vb.oid.slice(oid.ifName.length + 1)));
  }
  return map;
}

/** GETs `oids` in PDUs of at most `mem.varbindsPerPdu`, `inFlight` at once; halves the PDU on tooBig. */
async function getMany(transport: SnmpTransport, oids: string[], mem: DeviceMemory, inFlight: number): Promise<Map<string, { value: SnmpValue; at: Date }>> {
  const found = new Map<string, { value: SnmpValue; at: Date }>();
  const chunks: string[][] = [];
  for (let i = 0; i < oids.length; i += mem.varbindsPerPdu) chunks.push(oids.slice(i, i + mem.varbindsPerPdu));
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      await getChunk(chunk);
    }
  };
  const getChunk = async (chunk: string[]): Promise<void> => {
    try {
      const answer = await transport.get(chunk);
      const at = new Date();
      for (const vb of answer) found.set(vb.oid, { value: vb.value, at });
    } catch (err) {
      if (err instanceof SnmpError && err.kind === 'tooBig' && chunk.length > 1) {
        const half = Math.ceil(chunk.length / 2);
        mem.varbindsPerPdu = Math.max(1, Math.min(mem.varbindsPerPdu, half));
        await getChunk(chunk.slice(0, half));
        await getChunk(chunk.slice(half));
        return;
      }
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, chunks.length)) }, lane));
  return found;
}

async function readInterfaces(
  transport: SnmpTransport,
  target: AgentTarget,
  names: string[],
  mem: DeviceMemory,
  options: PollOptions,
  sysUpTime: number,
): Promise<InterfaceResult[]> {
  const known = names.filter((name) => mem.ifIndex!.has(name));
  const hc = known.flatMap((name) => {
    const i = mem.ifIndex!.get(name)!;
    return [`${oid.ifHCInOctets}.${i}`, `${oid.ifHCOutOctets}.${i}`, `${oid.ifHighSpeed}.${i}`, `${oid.ifOperStatus}.${i}`];
  });
  const values = await getMany(transport, hc, mem, options.pdusInFlight);
  // Interfaces without 64-bit counters (old devices, IF-MIB before RFC 2233): the 32-bit columns, flagged.
  const narrow = known.filter((name) => {
    const i = mem.ifIndex!.get(name)!;
    const inHc = values.get(`${oid.ifHCInOctets}.${i}`)?.value;
    const status = values.get(`${oid.ifOperStatus}.${i}`)?.value;
    return (!inHc || isMissing(inHc)) && status && !isMissing(status);
  });
  if (narrow.length > 0) {
    const more = await getMany(
      transport,
      narrow.flatMap((name) => {
        const i = mem.ifIndex!.get(name)!;
        return [`${oid.ifInOctets}.${i}`, `${oid.ifOutOctets}.${i}`, `${oid.ifSpeed}.${i}`];
      }),
      mem,
      options.pdusInFlight,
    );
    for (const [k, v] of more) values.set(k, v);
  }
  return names.map((name): InterfaceResult & { error: string | null } => {
    const i = mem.ifIndex!.get(name);
    if (i === undefined) return { name, reading: null, error: `the device has no interface named ${name} (ifName)` };
    const get = (column: string) => values.get(`${column}.${i}`);
    const status = get(oid.ifOperStatus);
    if (!status || isMissing(status.value)) return { name, reading: null, error: 'vanished' };
    const wide = !narrow.includes(name);
    const inV = get(wide ? oid.ifHCInOctets : oid.ifInOctets);
    const outV = get(wide ? oid.ifHCOutOctets : oid.ifOutOctets);
    const inN = inV ? numberOf(inV.value) : null;
    const outN = outV ? numberOf(outV.value) : null;
    if (inN === null || outN === null) return { name, reading: null, error: `${name} (ifIndex ${i}) answers no octet counters` };
    let speed: number | null = null;
    if (wide) {
      const s = get(oid.ifHighSpeed);
      speed = s ? (numberOf(s.value) === null ? null : Number(numberOf(s.value))) : null;
    } else {
      const s = get(oid.ifSpeed);
      const bps = s ? numberOf(s.value) : null;
      // ifSpeed saturates at 2^32 − 1 for links above 4.29 Gbps: unknown then.
      speed = bps === null || bps >= 4294967295n ? null : Math.round(Number(bps) / 1e6);
    }
    const statusNumber = numberOf(status.value);
    return {
      name,
      error: null,
      reading: {
        device: target.id,
        ifName: name,
        // When the answer carrying this interface's counters arrived.
        at: (inV!.at > outV!.at ? inV!.at : outV!.at).toISOString(),
        sysUpTime,
        inOctets: inN.toString(),
        outOctets: outN.toString(),
        counterBits: wide ? 64 : 32,
        highSpeedMbps: speed,
        operStatus: operStatusNames[String(statusNumber)] ?? 'unknown',
      },
    };
  });
}
