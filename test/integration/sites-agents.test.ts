import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMayReport } from '../../server/modules/sites/service/targets.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

const community = 'v2c-Community-Only-For-Snmp';
const authKey = 'v3-AuthKey-Secret-1';
const privKey = 'v3-PrivKey-Secret-2';
const sshPassword = 'ssh-Password-Only-For-Ssh';
const hostKey = 'SHA256:' + 'A'.repeat(43);

async function userId(t: TestApp, username: string): Promise<number> {
  const { rows } = await import('../../server/db/client.js');
  const { sql } = await import('drizzle-orm');
  const [row] = await rows<{ id: string | number }>(t.database.db, sql`SELECT id FROM users WHERE username = ${username}`);
  return Number(row.id);
}

describe.each(backends)('agent targets on %s', (backend) => {
  let t: TestApp;
  let op: string;
  const tokens: Record<string, string> = {};
  const names = { snmp: `snmp-poller-${backend}`, ssh: `ssh-reader-${backend}`, poolA: `pool-a-${backend}`, poolB: `pool-b-${backend}`, idle: `idle-${backend}` };
  let core: { id: string };
  let access: { id: string };
  const pool: string[] = [];

  beforeAll(async () => {
    t = await startTestApp(backend);
    op = await t.userToken('operator', '450100');
    // Nanning's pollers: an operator names as agent only an agent user of its subtree.
    tokens.snmp = await t.userToken('agent', '450100', names.snmp);
    tokens.ssh = await t.userToken('agent', '450100', names.ssh);
    tokens.poolA = await t.userToken('agent', '450100', names.poolA);
    tokens.poolB = await t.userToken('agent', '450100', names.poolB);
    tokens.idle = await t.userToken('agent', '450100', names.idle);
    const device = async (body: Record<string, unknown>) => {
      const reply = await t.call('POST', '/api/v1/devices', { token: op, body: { vendor: 'huawei', ownerUnit: '450100', ...body } });
      expect(reply.status, reply.text).toBe(201);
      return reply.body as { id: string };
    };
    core = await device({
      hostname: 'nn-core-01',
      role: 'core',
      dialect: 'huawei-vrp',
      mgmtAddress: '10.45.0.1',
      interfaces: [{ name: 'GE0/0/1', address: '10.45.9.1/30' }, { name: 'GE0/0/2' }],
      snmp: { agent: names.snmp, version: '2c', community },
      ssh: { agent: names.ssh, username: 'netops', password: sshPassword },
    });
    access = await device({
      hostname: 'nn-agg-01',
      role: 'aggregation',
      mgmtAddress: '10.45.0.2',
      interfaces: [{ name: 'XGE0/0/1', address: '10.45.9.2/30' }],
      snmp: { agent: names.snmp, version: '3', user: 'poller', authProtocol: 'SHA-256', authKey, privProtocol: 'AES', privKey, port: 1161 },
    });
    const link = await t.call('POST', '/api/v1/links', {
      token: op,
      body: { name: '核心—汇聚', aDevice: core.id, aInterface: 'GE0/0/1', zDevice: access.id, zInterface: 'XGE0/0/1', capacityMbps: 1000, payingUnit: '450100' },
    });
    expect(link.status, link.text).toBe(201);
    for (let i = 1; i <= 4; i++) pool.push((await device({ hostname: `nn-pool-${i}`, role: 'ce', interfaces: [{ name: 'GE0' }], snmp: { version: '2c', community: `pool-${i}` } })).id);
  });
  afterAll(async () => t?.close());

  it('gives an SNMP agent its devices, interfaces and SNMP credentials, and never SSH secrets', async () => {
    const reply = await t.call('GET', '/api/v1/agent/targets', { token: tokens.snmp });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.agent).toBe(names.snmp);
    expect(reply.body.items.map((d: { hostname: string }) => d.hostname)).toEqual(['nn-core-01', 'nn-agg-01']);
    const [coreTarget, accessTarget] = reply.body.items;
    expect(coreTarget).toMatchObject({ methods: ['snmp'], mgmtAddress: '10.45.0.1', snmp: { version: '2c', port: 161, community } });
    expect(coreTarget.ssh).toBeUndefined();
    expect(coreTarget.interfaces).toEqual([
      { name: 'GE0/0/1', address: '10.45.9.1/30', link: { id: expect.any(String), end: 'a', capacityMbps: 1000 } },
      { name: 'GE0/0/2', address: null, link: null },
    ]);
    expect(accessTarget.snmp).toEqual({ version: '3', port: 1161, user: 'poller', authProtocol: 'SHA-256', authKey, privProtocol: 'AES', privKey });
    expect(accessTarget.interfaces[0].link.end).toBe('z');
    expect(reply.text).not.toContain(sshPassword);
    expect(reply.text).not.toContain('netops');
  });

  it('gives an SSH agent the SSH login and pinned host key, never the SNMP community', async () => {
    const pin = await t.call('PATCH', `/api/v1/devices/${core.id}`, { token: op, body: { ssh: { hostKeySha256: hostKey } } });
    expect(pin.status, pin.text).toBe(200);
    expect(pin.body.ssh).toMatchObject({ agent: names.ssh, username: 'netops', hostKeySha256: hostKey, credentials: { configured: true } });
    const reply = await t.call('GET', '/api/v1/agent/targets?method=ssh', { token: tokens.ssh });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.items).toHaveLength(1);
    expect(reply.body.items[0]).toMatchObject({ hostname: 'nn-core-01', dialect: 'huawei-vrp', methods: ['ssh'], ssh: { port: 22, username: 'netops', password: sshPassword, hostKeySha256: hostKey } });
    expect(reply.body.items[0].snmp).toBeUndefined();
    expect(reply.text).not.toContain(community);
  });

  it('refuses an agent reading another method’s targets, and every non-agent, writing nothing', async () => {
    const auditor = await t.userToken('auditor', '450000');
    const before = await countRows(t, 'audit_entries');
    const otherMethod = await t.call('GET', '/api/v1/agent/targets?method=ssh', { token: tokens.snmp });
    expect(otherMethod.status).toBe(403);
    expect(otherMethod.body.code).toBe('forbidden');
    expect(otherMethod.text).not.toContain(sshPassword);
    const sshAsSnmp = await t.call('GET', '/api/v1/agent/targets?method=snmp', { token: tokens.ssh });
    expect(sshAsSnmp.status).toBe(403);
    for (const token of [op, t.adminToken, auditor]) {
      const reply = await t.call('GET', '/api/v1/agent/targets', { token });
      expect(reply.status).toBe(403);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await t.call('GET', '/api/v1/agent/targets', { token: null })).status).toBe(401);
    const leaseWithoutMethod = await t.call('GET', '/api/v1/agent/targets?lease=300', { token: tokens.poolA });
    expect(leaseWithoutMethod.status).toBe(400);
    expect(await countRows(t, 'audit_entries')).toBe(before);
  });

  it('audits every read with the devices it gave, and no secret', async () => {
    await t.call('GET', '/api/v1/agent/targets', { token: tokens.snmp });
    const audit = await t.call('GET', `/api/v1/audit?object=agent:${names.snmp}`);
    expect(audit.status).toBe(200);
    expect(audit.body.items.length).toBeGreaterThanOrEqual(2);
    expect(audit.body.items[0]).toMatchObject({ action: 'agent.targets.read', actor: names.snmp });
    expect(audit.body.items[0].after.devices.map((d: { hostname: string }) => d.hostname)).toEqual(['nn-core-01', 'nn-agg-01']);
    const text = JSON.stringify(audit.body);
    for (const secret of [community, authKey, privKey, sshPassword]) expect(text).not.toContain(secret);
  });

  it('lets two agents split a pool of unassigned devices by leasing, never polling one device twice', async () => {
    const idleBefore = await t.call('GET', '/api/v1/agent/targets', { token: tokens.idle });
    expect(idleBefore.body.items).toEqual([]);
    const a = await t.call('GET', '/api/v1/agent/targets?method=snmp&lease=300&max=2', { token: tokens.poolA });
    const b = await t.call('GET', '/api/v1/agent/targets?method=snmp&lease=300&max=3', { token: tokens.poolB });
    expect(a.status, a.text).toBe(200);
    const ids = (r: typeof a) => r.body.items.map((d: { id: string }) => d.id);
    expect(ids(a)).toHaveLength(2);
    expect(ids(b)).toHaveLength(2);
    expect(new Set([...ids(a), ...ids(b)])).toEqual(new Set(pool));
    expect(a.body.items.every((d: { leased: boolean; snmp: { community: string } }) => d.leased && d.snmp.community.startsWith('pool-'))).toBe(true);
    expect(new Date(a.body.leaseExpiresAt).getTime() - t.clock.now.getTime()).toBe(300_000);
    // Renewal keeps an agent's own devices.
    const again = await t.call('GET', '/api/v1/agent/targets?method=snmp&lease=300&max=2', { token: tokens.poolA });
    expect(ids(again)).toEqual(ids(a));
    expect(await agentMayReport(t.database.db, await userId(t, names.poolA), Number(ids(a)[0]), t.clock.now, 'snmp')).toBe(true);
    expect(await agentMayReport(t.database.db, await userId(t, names.poolB), Number(ids(a)[0]), t.clock.now, 'snmp')).toBe(false);
    expect(await agentMayReport(t.database.db, await userId(t, names.snmp), Number(core.id), t.clock.now)).toBe(true);
    expect(await agentMayReport(t.database.db, await userId(t, names.snmp), Number(core.id), t.clock.now, 'ssh')).toBe(false);
    // When A stops renewing, its leases lapse and B takes the devices over.
    t.clock.now = new Date(t.clock.now.getTime() + 301_000);
    const takeover = await t.call('GET', '/api/v1/agent/targets?method=snmp&lease=300&max=10', { token: tokens.poolB });
    expect(new Set(ids(takeover))).toEqual(new Set(pool));
    expect(await agentMayReport(t.database.db, await userId(t, names.poolA), Number(ids(a)[0]), t.clock.now, 'snmp')).toBe(false);
  });
});
