// Shared by the telemetry, expansion and incident tests: devices and links made through the
// sites API, and raw counter readings as an SNMP agent would post them.
import { randomBytes } from 'node:crypto';
import type { TestApp } from '../support/harness.js';

export interface Agent {
  username: string;
  token: string;
}

let seq = 0;
const unique = (prefix: string) => `${prefix}-${randomBytes(2).toString('hex')}-${++seq}`;

async function ok<T = any>(t: TestApp, method: string, path: string, body: unknown, expected = 201): Promise<T> {
  const reply = await t.call<T>(method, path, { body });
  if (reply.status !== expected) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

export async function agent(t: TestApp, unit = '450000'): Promise<Agent> {
  const username = unique('agent').toLowerCase();
  await ok(t, 'POST', '/api/v1/users', { username, displayName: username, unit, role: 'agent' });
  const issued = await ok<{ token: string }>(t, 'POST', `/api/v1/users/${username}/tokens`, {});
  return { username, token: issued.token };
}

export async function department(t: TestApp, parent: string): Promise<string> {
  const code = unique('TELE').toUpperCase();
  await ok(t, 'POST', '/api/v1/units', { code, name: `遥测测试单位 ${code}`, parent, kind: 'department' });
  return code;
}

export interface Device {
  id: string;
  hostname: string;
}

export async function device(
  t: TestApp,
  options: { role: 'pe' | 'boundary' | 'core'; owner: string; interfaces: string[]; agent?: Agent | null },
): Promise<Device> {
  const hostname = unique(options.role);
  const created = await ok<{ id: string }>(t, 'POST', '/api/v1/devices', {
    hostname,
    role: options.role,
    vendor: 'huawei',
    ownerUnit: options.owner,
    ...(options.role === 'boundary' ? { responsible: { name: '韦工', phone: '0771-5550000' } } : {}),
    interfaces: options.interfaces.map((name) => ({ name })),
    ...(options.agent ? { snmp: { agent: options.agent.username, version: '2c', community: 'public-test' } } : {}),
  });
  return { id: created.id, hostname };
}

export interface Link {
  id: string;
  a: Device;
  z: Device;
  aIf: string;
  zIf: string;
  capacityMbps: number;
  payingUnit: string;
}

/**
 * A county link as the regulation draws it: A the node (PE) of the city, Z the boundary
 * device of a department of the county, paid by `payingUnit`.
 */
export async function boundaryLink(
  t: TestApp,
  options: { agent: Agent; capacityMbps: number; payingUnit: string; nodeOwner?: string; departmentParent?: string; zAgent?: Agent | null },
): Promise<Link> {
  const dept = await department(t, options.departmentParent ?? options.payingUnit);
  const a = await device(t, { role: 'pe', owner: options.nodeOwner ?? '450100', interfaces: ['GigabitEthernet0/0/1'], agent: options.agent });
  const z = await device(t, { role: 'boundary', owner: dept, interfaces: ['GigabitEthernet0/0/0'], agent: options.zAgent === undefined ? options.agent : options.zAgent });
  const link = await ok<{ id: string }>(t, 'POST', '/api/v1/links', {
    name: unique('link'),
    aDevice: a.id,
    aInterface: 'GigabitEthernet0/0/1',
    zDevice: z.id,
    zInterface: 'GigabitEthernet0/0/0',
    capacityMbps: options.capacityMbps,
    payingUnit: options.payingUnit,
  });
  return { id: link.id, a, z, aIf: 'GigabitEthernet0/0/1', zIf: 'GigabitEthernet0/0/0', capacityMbps: options.capacityMbps, payingUnit: options.payingUnit };
}

export interface Reading {
  device: string;
  ifName: string;
  at: string;
  sysUpTime: number;
  inOctets: string;
  outOctets: string;
  counterBits: 32 | 64;
  highSpeedMbps?: number | null;
  operStatus: string;
}

export function reading(over: Omit<Partial<Reading>, 'at'> & { device: string; ifName: string; at: string | Date }): Reading {
  return {
    sysUpTime: 500_000_000,
    inOctets: '0',
    outOctets: '0',
    counterBits: 64,
    highSpeedMbps: 1000,
    operStatus: 'up',
    ...over,
    at: over.at instanceof Date ? over.at.toISOString() : over.at,
  };
}

export async function post(t: TestApp, token: string | undefined, readings: Reading[]) {
  return t.call('POST', '/api/v1/readings', { token, body: { readings } });
}

/** A deterministic PRNG (mulberry32), so a failing run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

export const minute = 60_000;
export const day = 86_400_000;
