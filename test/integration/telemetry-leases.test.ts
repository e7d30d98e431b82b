import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { post, reading } from './telemetry-fixtures.js';

/**
 * Readings from leased devices: the ingest checks the leases once per batch (issue 14), so a
 * batch mixing an agent's assigned devices, its leased ones and one another agent leased is
 * refused whole, naming that device, and a batch after the lease lapsed is refused too.
 */
describe.each(backends)('readings from leased devices on %s', (backend) => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const names = { own: `own-poller-${backend}`, a: `lease-a-${backend}`, b: `lease-b-${backend}` };
  let assigned: string;
  const pool: string[] = [];

  beforeAll(async () => {
    t = await startTestApp(backend);
    const op = await t.userToken('operator', '450100');
    for (const [k, name] of Object.entries(names)) tokens[k] = await t.userToken('agent', '450100', name);
    const device = async (body: Record<string, unknown>) => {
      const reply = await t.call('POST', '/api/v1/devices', { token: op, body: { vendor: 'huawei', ownerUnit: '450100', role: 'ce', interfaces: [{ name: 'GE0' }], ...body } });
      expect(reply.status, reply.text).toBe(201);
      return (reply.body as { id: string }).id;
    };
    assigned = await device({ hostname: 'nn-own-1', snmp: { agent: names.own, version: '2c', community: 'own' } });
    for (let i = 1; i <= 4; i++) pool.push(await device({ hostname: `nn-lease-${i}`, snmp: { version: '2c', community: `pool-${i}` } }));
  });
  afterAll(async () => t?.close());

  it('accepts a batch of leased devices, refuses one naming a device leased by another agent, and after the lease lapsed', async () => {
    const a = await t.call('GET', '/api/v1/agent/targets?method=snmp&lease=300&max=2', { token: tokens.a });
    const b = await t.call('GET', '/api/v1/agent/targets?method=snmp&lease=300&max=2', { token: tokens.b });
    const mine: string[] = a.body.items.map((d: { id: string }) => d.id);
    const theirs: string[] = b.body.items.map((d: { id: string }) => d.id);
    expect(new Set([...mine, ...theirs])).toEqual(new Set(pool));
    const at = (s: number) => new Date(t.clock.now.getTime() - s * 1000);
    const batch = (devices: string[], s: number) => devices.flatMap((device) => [reading({ device, ifName: 'GE0', at: at(s), inOctets: String(1000 + s) })]);

    const ok = await post(t, tokens.a, [...batch(mine, 60), ...batch(mine, 30)]);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.accepted).toBe(4);

    const before = await countRows(t, 'readings');
    const mixed = await post(t, tokens.a, [...batch(mine, 20), ...batch([theirs[1]], 20)]);
    expect(mixed.status).toBe(403);
    expect(mixed.body.detail).toContain(`nn-lease-`);
    expect(mixed.body.detail).toContain(`(${theirs[1]})`);
    // An agent's assigned device needs no lease; another agent's assigned device is refused.
    expect((await post(t, tokens.own, batch([assigned], 20))).status).toBe(200);
    expect((await post(t, tokens.a, batch([assigned], 10))).status).toBe(403);
    expect(await countRows(t, 'readings')).toBe(before + 1);

    t.clock.now = new Date(t.clock.now.getTime() + 301_000);
    const lapsed = await post(t, tokens.a, batch(mine, 5));
    expect(lapsed.status).toBe(403);
    expect(await countRows(t, 'readings')).toBe(before + 1);
  });
});
