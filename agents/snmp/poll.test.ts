import { describe, expect, it } from 'vitest';
import type { AgentTarget } from '../lib/client.js';
import { oid } from './oids.js';
import { deliveries } from './cycle.js';
import { pollDevice, type DeviceMemory } from './poll.js';
import { SnmpError, type SnmpTransport, type SnmpValue, type Varbind } from './transport.js';

/** A device in memory: a MIB as a map, a message size limit in varbinds, and a log of what was asked. */
class FakeDevice implements SnmpTransport {
  gets: number[] = [];
  walks: string[] = [];
  constructor(
    public mib: Map<string, SnmpValue>,
    private readonly maxVarbinds = Infinity,
  ) {}
  async get(oids: string[]): Promise<Varbind[]> {
    this.gets.push(oids.length);
    if (oids.length > this.maxVarbinds) throw new SnmpError('tooBig', 'tooBig');
    return oids.map((o) => ({ oid: o, value: this.mib.get(o) ?? { type: 'noSuchInstance', value: null } }));
  }
  async walk(root: string): Promise<Varbind[]> {
    this.walks.push(root);
    return [...this.mib].filter(([o]) => o.startsWith(`${root}.`)).map(([o, value]) => ({ oid: o, value }));
  }
  close(): void {}
}

const counter = (v: bigint): SnmpValue => ({ type: 'counter64', value: v });
function mibWith(interfaces: { index: number; name: string; in: bigint }[]): Map<string, SnmpValue> {
  const mib = new Map<string, SnmpValue>([
    [oid.sysName, { type: 'octets', value: Buffer.from('fake') }],
    [oid.sysUpTime, { type: 'timeticks', value: 1000n }],
    [oid.sysObjectID, { type: 'oid', value: '1.3.6.1.4.1.2011' }],
  ]);
  for (const i of interfaces) {
    mib.set(`${oid.ifName}.${i.index}`, { type: 'octets', value: Buffer.from(i.name) });
    mib.set(`${oid.ifHCInOctets}.${i.index}`, counter(i.in));
    mib.set(`${oid.ifHCOutOctets}.${i.index}`, counter(i.in * 2n));
    mib.set(`${oid.ifHighSpeed}.${i.index}`, { type: 'gauge32', value: 1000n });
    mib.set(`${oid.ifOperStatus}.${i.index}`, { type: 'integer', value: 1n });
  }
  return mib;
}
const targetOf = (names: string[]): AgentTarget => ({
  id: '7',
  hostname: 'fake',
  role: 'pe',
  vendor: 'huawei',
  dialect: null,
  model: '',
  serial: '',
  mgmtAddress: '192.0.2.1',
  methods: ['snmp'],
  leased: false,
  interfaces: names.map((name) => ({ name, address: null, link: null })),
  snmp: { version: '2c', port: 161, community: 'c' },
});

describe('pollDevice', () => {
  it('halves a PDU the device calls tooBig and remembers the size that worked', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `GE0/0/${i}`);
    const device = new FakeDevice(mibWith(names.map((name, i) => ({ index: i + 1, name, in: BigInt(i) }))), 20);
    const memory = new Map<string, DeviceMemory>();
    const poll = await pollDevice(targetOf(names), memory, { timeoutMs: 100, retries: 0, varbindsPerPdu: 64, pdusInFlight: 2, transport: () => device });
    expect(poll.status).toBe('ok');
    expect(poll.interfaces.every((i) => i.reading)).toBe(true);
    expect(memory.get('7')!.varbindsPerPdu).toBeLessThanOrEqual(20);
    device.gets = [];
    await pollDevice(targetOf(names), memory, { timeoutMs: 100, retries: 0, varbindsPerPdu: 64, pdusInFlight: 2, transport: () => device });
    expect(Math.max(...device.gets)).toBeLessThanOrEqual(20);
  });

  it('walks ifName once; a name the device lacks is reported and does not cause a walk every cycle; a vanished index is re-mapped', async () => {
    const device = new FakeDevice(mibWith([{ index: 1, name: 'GE0/0/1', in: 5n }]));
    const memory = new Map<string, DeviceMemory>();
    const options = { timeoutMs: 100, retries: 0, varbindsPerPdu: 48, pdusInFlight: 4, transport: () => device };
    const first = await pollDevice(targetOf(['GE0/0/1', 'GE9/9/9']), memory, options);
    expect(first.interfaces.map((i) => i.error)).toEqual([null, 'the device has no interface named GE9/9/9 (ifName)']);
    const second = await pollDevice(targetOf(['GE0/0/1', 'GE9/9/9']), memory, options);
    expect(second.remapped).toBe(false);
    expect(device.walks.filter((w) => w === oid.ifName)).toHaveLength(1);

    device.mib = mibWith([{ index: 9, name: 'GE0/0/1', in: 6n }]);
    const third = await pollDevice(targetOf(['GE0/0/1']), memory, options);
    expect(third.remapped).toBe(true);
    expect(third.interfaces[0].reading).toMatchObject({ inOctets: '6', outOctets: '12', counterBits: 64 });
  });

  it('a device that does not answer is unreachable with the transport’s words; an authentication refusal is auth_failed', async () => {
    const silent: SnmpTransport = { get: async () => Promise.reject(new SnmpError('timeout', 'no answer')), walk: async () => [], close: () => {} };
    const refusing: SnmpTransport = { get: async () => Promise.reject(new SnmpError('auth', 'SNMPv3 USM refused: Wrong Digest')), walk: async () => [], close: () => {} };
    const options = { timeoutMs: 100, retries: 0, varbindsPerPdu: 48, pdusInFlight: 4 };
    expect(await pollDevice(targetOf(['x']), new Map(), { ...options, transport: () => silent })).toMatchObject({ status: 'unreachable', detail: 'no answer', interfaces: [] });
    expect(await pollDevice(targetOf(['x']), new Map(), { ...options, transport: () => refusing })).toMatchObject({ status: 'auth_failed' });
    // No address in the registry: not polled, and no check is made up for it.
    const nowhere = await pollDevice({ ...targetOf(['x']), mgmtAddress: null }, new Map(), options);
    expect(nowhere).toMatchObject({ status: 'not_polled', detail: 'device fake has no management address in the registry' });
    expect(deliveries([nowhere]).filter((d) => d.kind === 'device-checks')).toEqual([]);
  });
});
