import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

const community = 'nn-community-Secret-7';
const sshPassword = 'ssh-Password-Secret-9';

/** Counts of every table a device or link write touches: a refused request changes none. */
async function siteCounts(t: TestApp) {
  return {
    rooms: await countRows(t, 'rooms'),
    devices: await countRows(t, 'devices'),
    interfaces: await countRows(t, 'device_interfaces'),
    links: await countRows(t, 'links'),
    audit: await countRows(t, 'audit_entries'),
  };
}

describe.each(backends)('rooms, devices and links on %s', (backend) => {
  let t: TestApp;
  let cityOp: string;
  let countyOp: string;
  const countyOperatorName = `xn-operator-${backend}`;
  let auditor: string;
  let agentName: string;
  let registeredMgmt: { id: string; address: string };
  const dept = `NN-EDU-${backend.toUpperCase()}`;
  const countyDept = `XN-GOV-${backend.toUpperCase()}`;

  beforeAll(async () => {
    t = await startTestApp(backend);
    cityOp = await t.userToken('operator', '450100');
    countyOp = await t.userToken('operator', '450102', countyOperatorName);
    auditor = await t.userToken('auditor', '450000');
    // Nanning's own poller: an operator names as agent only an agent user of its subtree.
    agentName = `snmp-agent-${backend}`;
    await t.userToken('agent', '450100', agentName);
    for (const [code, parent] of [
      [dept, '450100'],
      [countyDept, '450102'],
    ]) {
      const created = await t.call('POST', '/api/v1/units', { body: { code, name: `单位 ${code}`, parent, kind: 'department' } });
      expect(created.status, created.text).toBe(201);
    }
    // IPAM: 10.45.0.0/16 → Nanning /20 → an assigned /24 with the PE's management address.
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: '10.45.0.0/16', holder: '450000' } });
    expect(pool.status, pool.text).toBe(201);
    const city = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 20, holder: '450100', status: 'allocated' } });
    expect(city.status, city.text).toBe(201);
    const assigned = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: '10.45.1.0/24', holder: dept, status: 'assigned' } });
    expect(assigned.status, assigned.text).toBe(201);
    const address = await t.call('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { body: { address: '10.45.1.10', hostname: 'nn-pe-01' } });
    expect(address.status, address.text).toBe(201);
    registeredMgmt = { id: address.body.id, address: address.body.address };
  });
  afterAll(async () => t?.close());

  it('keeps node machine rooms at region, city and county level, run by that division', async () => {
    const room = await t.call('POST', '/api/v1/rooms', { token: cityOp, body: { name: '南宁市电子政务外网节点机房', unit: '450100', address: '南宁市青秀区民族大道' } });
    expect(room.status, room.text).toBe(201);
    expect(room.body).toMatchObject({ name: '南宁市电子政务外网节点机房', unit: '450100', unitName: '南宁市' });
    const before = await siteCounts(t);
    const township = await t.call('POST', '/api/v1/rooms', { token: countyOp, body: { name: '乡镇机房', unit: '450102001' } });
    expect(township.status).toBe(422);
    expect(township.body.code).toBe('rule_violation');
    const department = await t.call('POST', '/api/v1/rooms', { token: cityOp, body: { name: '局机房', unit: dept } });
    expect(department.status).toBe(422);
    const outside = await t.call('POST', '/api/v1/rooms', { token: countyOp, body: { name: '越权机房', unit: '450100' } });
    expect(outside.status).toBe(403);
    expect(outside.body.code).toBe('forbidden');
    const unknownUnit = await t.call('POST', '/api/v1/rooms', { token: cityOp, body: { name: 'x', unit: '459999' } });
    expect(unknownUnit.status).toBe(404);
    const duplicate = await t.call('POST', '/api/v1/rooms', { token: cityOp, body: { name: '南宁市电子政务外网节点机房', unit: '450100' } });
    expect(duplicate.status).toBe(409);
    expect(await siteCounts(t)).toEqual(before);

    const renamed = await t.call('PATCH', `/api/v1/rooms/${room.body.id}`, { token: cityOp, body: { address: '南宁市青秀区民族大道 1 号' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.address).toBe('南宁市青秀区民族大道 1 号');
    const listed = await t.call('GET', '/api/v1/rooms?within=450100', { token: auditor });
    expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(room.body.id);
    const audit = await t.call('GET', `/api/v1/audit?object=room:${room.body.id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['room.update', 'room.create']);
    // The unit's service channels (article 20) live on the unit.
    const channels = await t.call('PATCH', '/api/v1/units/450100', { body: { channels: { hotline: '0771-1234567', email: 'noc@nanning.example.cn' } } });
    expect(channels.status).toBe(200);
  });

  it('registers a node device: management address linked to IPAM, credentials encrypted and write-only', async () => {
    const room = await t.call('POST', '/api/v1/rooms', { token: cityOp, body: { name: '南宁二号机房', unit: '450100' } });
    const created = await t.call('POST', '/api/v1/devices', {
      token: cityOp,
      body: {
        hostname: `nn-pe-01-${backend}`,
        room: room.body.id,
        role: 'pe',
        vendor: 'huawei',
        dialect: 'huawei-vrp',
        model: 'NE40E-X8',
        serial: '2102351234567',
        mgmtAddress: '10.45.1.10',
        ownerUnit: '450100',
        responsible: { name: '张工', phone: '0771-5550100' },
        interfaces: [
          { name: 'GigabitEthernet0/0/1', address: '10.45.1.1/30' },
          { name: 'GigabitEthernet0/0/2', address: '10.45.1.5/30' },
        ],
        snmp: { agent: agentName, version: '2c', community },
        ssh: { port: 2222, username: 'netops', password: sshPassword },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      role: 'pe',
      ownerUnit: '450100',
      mgmtAddress: '10.45.1.10',
      mgmtAddressId: registeredMgmt.id,
      responsible: { name: '张工', phone: '0771-5550100' },
      snmp: { agent: agentName, version: '2c', port: 161, credentials: { configured: true } },
      ssh: { agent: null, port: 2222, username: 'netops', credentials: { configured: true }, hostKeySha256: null },
      warnings: [],
    });
    expect(created.body.interfaces.map((i: { name: string; address: string }) => [i.name, i.address])).toEqual([
      ['GigabitEthernet0/0/1', '10.45.1.1/30'],
      ['GigabitEthernet0/0/2', '10.45.1.5/30'],
    ]);
    // Never in a response, an audit entry or the table in plain text.
    expect(created.text).not.toContain(community);
    expect(created.text).not.toContain(sshPassword);
    const fetched = await t.call('GET', `/api/v1/devices/${created.body.id}`, { token: auditor });
    expect(fetched.status).toBe(200);
    expect(fetched.text).not.toContain(community);
    const audit = await t.call('GET', `/api/v1/audit?object=device:${created.body.id}`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].after.snmp.credentials).toEqual({ configured: true });
    expect(JSON.stringify(audit.body)).not.toContain(community);
    expect(JSON.stringify(audit.body)).not.toContain(sshPassword);
    const [stored] = await rows<{ snmp_credentials: string; ssh_credentials: string }>(
      t.database.db,
      sql`SELECT snmp_credentials, ssh_credentials FROM devices WHERE id = ${Number(created.body.id)}`,
    );
    expect(stored.snmp_credentials).toMatch(/^v2\./);
    expect(stored.snmp_credentials).not.toContain(community);
    expect(stored.ssh_credentials).not.toContain(sshPassword);
    // WAIWANG_SECRET_KEY unset: a key was generated into the data directory, readable by the owner only.
    const keyFile = path.join(t.config.dataDir, 'secret.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);

    // A PATCH that only moves the agent keeps the stored credential.
    const moved = await t.call('PATCH', `/api/v1/devices/${created.body.id}`, { token: cityOp, body: { snmp: { agent: null } } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.snmp).toEqual({ agent: null, version: '2c', port: 161, credentials: { configured: true } });
    const [kept] = await rows<{ snmp_credentials: string }>(t.database.db, sql`SELECT snmp_credentials FROM devices WHERE id = ${Number(created.body.id)}`);
    expect(kept.snmp_credentials).toBe(stored.snmp_credentials);
  });

  it('warns when the management address or an interface prefix is not registered in IPAM', async () => {
    const created = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: {
        hostname: `xn-agg-01-${backend}`,
        role: 'aggregation',
        vendor: 'h3c',
        mgmtAddress: '10.46.0.1',
        ownerUnit: '450102',
        interfaces: [
          { name: 'Ten-GigabitEthernet1/0/1', address: '10.45.1.2/30' },
          { name: 'Ten-GigabitEthernet1/0/2', address: '10.45.8.1/30' },
          { name: 'Vlan-interface1' },
        ],
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.mgmtAddressId).toBeNull();
    expect(created.body.warnings.map((w: { code: string; field: string }) => [w.code, w.field])).toEqual([
      ['mgmt_address_unregistered', 'mgmtAddress'],
      // 10.45.8.0/30 lies only in Nanning's allocated /20, not in an assigned block.
      ['interface_prefix_unregistered', 'interfaces.1.address'],
    ]);
    expect(created.body.warnings[1].message).toContain('10.45.0.0/20');
  });

  it('keeps the boundary device with its department and its responsible person (article 19)', async () => {
    const boundary = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: {
        hostname: `xn-gov-border-${backend}`,
        role: 'boundary',
        vendor: 'huawei',
        ownerUnit: countyDept,
        responsible: { name: '李四', phone: '13800000000' },
        interfaces: [{ name: 'GE0/0/0', address: '10.45.2.2/30' }],
      },
    });
    expect(boundary.status, boundary.text).toBe(201);
    const before = await siteCounts(t);
    const byDivision = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: { hostname: 'bad-border', role: 'boundary', vendor: 'huawei', ownerUnit: '450102', responsible: { name: '李四', phone: '13800000000' } },
    });
    expect(byDivision.status).toBe(422);
    expect(byDivision.body.code).toBe('rule_violation');
    const nodeByDepartment = await t.call('POST', '/api/v1/devices', { token: countyOp, body: { hostname: 'bad-pe', role: 'pe', vendor: 'zte', ownerUnit: countyDept } });
    expect(nodeByDepartment.status).toBe(422);
    const noResponsible = await t.call('POST', '/api/v1/devices', { token: countyOp, body: { hostname: 'bad-border-2', role: 'boundary', vendor: 'huawei', ownerUnit: countyDept } });
    expect(noResponsible.status).toBe(400);
    expect(noResponsible.body.field).toBe('responsible');
    const badInterface = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: { hostname: 'bad-if', role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', interfaces: [{ name: 'GE1', address: '10.45.2.300/30' }] },
    });
    expect(badInterface.status).toBe(400);
    expect(badInterface.body.code).toBe('invalid_address');
    expect(badInterface.body.field).toBe('interfaces.0.address');
    const noLength = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: { hostname: 'bad-if', role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', interfaces: [{ name: 'GE1', address: '10.45.2.1' }] },
    });
    expect(noLength.status).toBe(400);
    const twice = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: { hostname: 'bad-if', role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', interfaces: [{ name: 'GE1' }, { name: 'GE1' }] },
    });
    expect(twice.status).toBe(400);
    // A user of the subtree who is no agent is refused by the rule (422); the admin, outside
    // Xingning's subtree, is refused before its role is even looked at (403).
    const notAgent = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: { hostname: 'bad-agent', role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', snmp: { agent: countyOperatorName, version: '2c', community: 'x' } },
    });
    expect(notAgent.status, notAgent.text).toBe(422);
    const adminAsAgent = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: { hostname: 'bad-agent', role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', snmp: { agent: 'admin', version: '2c', community: 'x' } },
    });
    expect(adminAsAgent.status, adminAsAgent.text).toBe(403);
    const privWithoutAuth = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: { hostname: 'bad-v3', role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', snmp: { version: '3', user: 'u', privProtocol: 'AES', privKey: '12345678' } },
    });
    expect(privWithoutAuth.status).toBe(400);
    const communityOnV3 = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: { hostname: 'bad-v3', role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', snmp: { version: '3', community: 'public' } },
    });
    expect(communityOnV3.status).toBe(400);
    const passwordAndKey = await t.call('POST', '/api/v1/devices', {
      token: countyOp,
      body: { hostname: 'bad-ssh', role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', ssh: { username: 'u', password: 'p', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nx' } },
    });
    expect(passwordAndKey.status).toBe(400);
    const outside = await t.call('POST', '/api/v1/devices', { token: countyOp, body: { hostname: 'lz-pe', role: 'pe', vendor: 'cisco', ownerUnit: '450200' } });
    expect(outside.status).toBe(403);
    const sameHostname = await t.call('POST', '/api/v1/devices', { token: countyOp, body: { hostname: `xn-gov-border-${backend}`, role: 'firewall', vendor: 'h3c', ownerUnit: '450102' } });
    expect(sameHostname.status).toBe(409);
    const auditorWrite = await t.call('POST', '/api/v1/devices', { token: auditor, body: { hostname: 'aud', role: 'firewall', vendor: 'h3c', ownerUnit: '450102' } });
    expect(auditorWrite.status).toBe(403);
    for (const reply of [byDivision, nodeByDepartment, noResponsible, badInterface, noLength, twice, notAgent, adminAsAgent, privWithoutAuth, communityOnV3, passwordAndKey, outside, sameHostname]) {
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await siteCounts(t)).toEqual(before);
  });

  describe('links', () => {
    let pe: { id: string; hostname: string };
    let agg: { id: string; hostname: string };
    let border: { id: string; hostname: string };

    beforeAll(async () => {
      const device = async (body: Record<string, unknown>, token: string) => {
        const reply = await t.call('POST', '/api/v1/devices', { token, body });
        expect(reply.status, reply.text).toBe(201);
        return reply.body as { id: string; hostname: string };
      };
      pe = await device(
        { hostname: `nn-pe-02-${backend}`, role: 'pe', vendor: 'huawei', ownerUnit: '450100', interfaces: [{ name: 'GE0/0/1', address: '10.45.3.1/30' }, { name: 'GE0/0/2' }] },
        cityOp,
      );
      agg = await device(
        { hostname: `xn-agg-02-${backend}`, role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', interfaces: [{ name: 'XGE1/0/1', address: '10.45.3.2/30' }, { name: 'XGE1/0/2' }, { name: 'XGE1/0/3' }] },
        countyOp,
      );
      border = await device(
        { hostname: `xn-border-02-${backend}`, role: 'boundary', vendor: 'huawei', ownerUnit: countyDept, responsible: { name: '王五', phone: '13900000000' }, interfaces: [{ name: 'GE0/0/0' }] },
        countyOp,
      );
    });

    it('registers a link with its A end upper-level, capacity, circuit and paying unit; PATCH raises capacity', async () => {
      // Nanning's PE to Xingning's aggregation: the city, whose subtree holds both ends, registers it.
      const created = await t.call('POST', '/api/v1/links', {
        token: cityOp,
        body: {
          name: '南宁—兴宁 城域链路',
          aDevice: pe.id,
          aInterface: 'GE0/0/1',
          zDevice: agg.hostname,
          zInterface: 'XGE1/0/1',
          capacityMbps: 100,
          payingUnit: '450102',
          circuitId: 'NNXN-0001',
          carrier: '中国电信',
        },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({
        aDevice: pe.id,
        aHostname: pe.hostname,
        aInterface: 'GE0/0/1',
        zDevice: agg.id,
        zInterface: 'XGE1/0/1',
        capacityMbps: 100,
        payingUnit: '450102',
        circuitId: 'NNXN-0001',
        carrier: '中国电信',
      });
      const raised = await t.call('PATCH', `/api/v1/links/${created.body.id}`, { token: cityOp, body: { capacityMbps: 200 } });
      expect(raised.status).toBe(200);
      expect(raised.body.capacityMbps).toBe(200);
      const audit = await t.call('GET', `/api/v1/audit?object=link:${created.body.id}`);
      expect(audit.body.items[0]).toMatchObject({ action: 'link.update', before: { capacityMbps: 100 }, after: { capacityMbps: 200 } });
      const listed = await t.call('GET', `/api/v1/links?device=${agg.id}`, { token: auditor });
      expect(listed.body.items.map((l: { id: string }) => l.id)).toEqual([created.body.id]);

      // An interface or device that ends a link stays until the link goes.
      const before = await siteCounts(t);
      const deleteDevice = await t.call('DELETE', `/api/v1/devices/${agg.id}`, { token: countyOp });
      expect(deleteDevice.status).toBe(409);
      expect(deleteDevice.body.code).toBe('in_use');
      const dropInterface = await t.call('PATCH', `/api/v1/devices/${agg.id}`, { token: countyOp, body: { interfaces: [{ name: 'XGE1/0/2' }] } });
      expect(dropInterface.status).toBe(409);
      expect(await siteCounts(t)).toEqual(before);
      const reused = await t.call('POST', '/api/v1/links', {
        token: cityOp,
        body: { name: '重复', aDevice: pe.id, aInterface: 'GE0/0/1', zDevice: agg.id, zInterface: 'XGE1/0/2', capacityMbps: 10, payingUnit: '450102' },
      });
      expect(reused.status).toBe(409);
      expect(await siteCounts(t)).toEqual(before);
    });

    it('refuses bad links and changes nothing', async () => {
      const base = { name: '坏链路', aDevice: agg.id, aInterface: 'XGE1/0/3', zDevice: border.id, zInterface: 'GE0/0/0', capacityMbps: 50, payingUnit: '450102' };
      const before = await siteCounts(t);
      const cases: [string, Record<string, unknown>, number, string][] = [
        ['capacity 0', { capacityMbps: 0 }, 400, 'validation_failed'],
        ['negative capacity', { capacityMbps: -100 }, 400, 'validation_failed'],
        ['fractional capacity', { capacityMbps: 2.5 }, 400, 'validation_failed'],
        ['same device at both ends', { zDevice: agg.id, zInterface: 'XGE1/0/2' }, 422, 'rule_violation'],
        ['unknown device', { zDevice: '999999' }, 404, 'not_found'],
        ['unknown device hostname', { zDevice: 'no-such-host' }, 404, 'not_found'],
        ['unknown interface', { zInterface: 'GE9/9/9' }, 404, 'not_found'],
        // Nanning's PE is outside Xingning's subtree: the city's operator asks.
        ['lower level at the A end', { aDevice: border.id, aInterface: 'GE0/0/0', zDevice: pe.id, zInterface: 'GE0/0/2', token: cityOp }, 422, 'rule_violation'],
        ['a department paying', { payingUnit: countyDept }, 422, 'rule_violation'],
        ['unknown field', { bandwidth: 10 }, 400, 'validation_failed'],
      ];
      for (const [what, { token = countyOp, ...change }, status, code] of cases) {
        const reply = await t.call('POST', '/api/v1/links', { token: token as string, body: { ...base, ...change } });
        expect(reply.status, `${what}: ${reply.text}`).toBe(status);
        expect(reply.body.code, what).toBe(code);
        expect(reply.headers.get('content-type')).toContain('application/problem+json');
      }
      const outOfScope = await t.call('POST', '/api/v1/links', { token: countyOp, body: { ...base, payingUnit: '450100' } });
      expect(outOfScope.status).toBe(403);
      const auditorLink = await t.call('POST', '/api/v1/links', { token: auditor, body: base });
      expect(auditorLink.status).toBe(403);
      const zeroPatch = await t.call('PATCH', '/api/v1/links/1', { token: countyOp, body: { capacityMbps: 0 } });
      expect(zeroPatch.status).toBe(400);
      expect(await siteCounts(t)).toEqual(before);

      const good = await t.call('POST', '/api/v1/links', { token: countyOp, body: base });
      expect(good.status, good.text).toBe(201);
      const removed = await t.call('DELETE', `/api/v1/links/${good.body.id}`, { token: countyOp });
      expect(removed.status).toBe(204);
      expect((await t.call('GET', `/api/v1/links/${good.body.id}`)).status).toBe(404);
    });
  });

  // Issue 13 item 7: a write names rooms, agents and devices only of the actor's own subtree, so
  // a county never places its device in a neighbour's room, never hands it to a neighbour's
  // poller, and never registers a link into a neighbour's device (article 21).
  describe('writes stay in the actor’s subtree', () => {
    const agents = { county: `xn-poller-${backend}`, sibling: `qx-poller-${backend}` };
    const rooms: Record<'city' | 'county' | 'sibling', string> = { city: '', county: '', sibling: '' };
    let cityPe: { id: string; hostname: string };
    let countyAgg: { id: string; hostname: string };
    let siblingAgg: { id: string; hostname: string };

    const asAdmin = async (method: string, url: string, body: Record<string, unknown>) => {
      const reply = await t.call(method, url, { body });
      expect(reply.status, reply.text).toBe(201);
      return reply.body as { id: string; hostname: string };
    };
    const countyDevice = (extra: Record<string, unknown>) => ({ hostname: `xn-scope-${Math.random().toString(36).slice(2, 8)}`, role: 'aggregation', vendor: 'h3c', ownerUnit: '450102', ...extra });
    /** A refusal for scope: 403 forbidden whose sentence names what lies outside, and nothing written. */
    const refusedForScope = async (reply: Promise<{ status: number; text: string; body: { code: string; detail: string } }>, ...named: string[]) => {
      const before = await siteCounts(t);
      const answer = await reply;
      expect(answer.status, answer.text).toBe(403);
      expect(answer.body.code).toBe('forbidden');
      for (const word of named) expect(answer.body.detail).toContain(word);
      expect(await siteCounts(t)).toEqual(before);
    };

    beforeAll(async () => {
      rooms.city = (await asAdmin('POST', '/api/v1/rooms', { name: `南宁范围机房 ${backend}`, unit: '450100' })).id;
      rooms.county = (await asAdmin('POST', '/api/v1/rooms', { name: `兴宁范围机房 ${backend}`, unit: '450102' })).id;
      rooms.sibling = (await asAdmin('POST', '/api/v1/rooms', { name: `青秀范围机房 ${backend}`, unit: '450103' })).id;
      await t.userToken('agent', '450102', agents.county);
      await t.userToken('agent', '450103', agents.sibling);
      cityPe = await asAdmin('POST', '/api/v1/devices', { hostname: `nn-scope-pe-${backend}`, role: 'pe', vendor: 'huawei', ownerUnit: '450100', interfaces: [{ name: 'GE0/0/1' }, { name: 'GE0/0/2' }] });
      countyAgg = await asAdmin('POST', '/api/v1/devices', countyDevice({ hostname: `xn-scope-agg-${backend}`, interfaces: [{ name: 'XGE1/0/1' }, { name: 'XGE1/0/2' }, { name: 'XGE1/0/3' }] }));
      siblingAgg = await asAdmin('POST', '/api/v1/devices', { hostname: `qx-scope-agg-${backend}`, role: 'aggregation', vendor: 'h3c', ownerUnit: '450103', interfaces: [{ name: 'XGE1/0/1' }, { name: 'XGE1/0/2' }] });
    });

    it('places a device only in a machine room of the subtree', async () => {
      await refusedForScope(t.call('POST', '/api/v1/devices', { token: countyOp, body: countyDevice({ room: rooms.city }) }), `machine room ${rooms.city}`, '450100');
      await refusedForScope(t.call('POST', '/api/v1/devices', { token: countyOp, body: countyDevice({ room: rooms.sibling }) }), `machine room ${rooms.sibling}`, '450103');
      await refusedForScope(t.call('PATCH', `/api/v1/devices/${countyAgg.id}`, { token: countyOp, body: { room: rooms.sibling } }), `machine room ${rooms.sibling}`, '450103');
      const own = await t.call('POST', '/api/v1/devices', { token: countyOp, body: countyDevice({ room: rooms.county }) });
      expect(own.status, own.text).toBe(201);
      expect(own.body.room).toBe(rooms.county);
      // Nanning's operator reaches both of its counties' rooms.
      const moved = await t.call('PATCH', `/api/v1/devices/${countyAgg.id}`, { token: cityOp, body: { room: rooms.sibling } });
      expect(moved.status, moved.text).toBe(200);
      const back = await t.call('PATCH', `/api/v1/devices/${countyAgg.id}`, { token: countyOp, body: { room: null } });
      expect(back.status, back.text).toBe(200);
    });

    it('links a management address only when its holder is in the subtree; another unit’s stays text, named in a warning', async () => {
      // 10.45.1.10 is registered to a department of Nanning itself, outside Xingning's subtree.
      const foreign = await t.call('POST', '/api/v1/devices', { token: countyOp, body: countyDevice({ mgmtAddress: registeredMgmt.address }) });
      expect(foreign.status, foreign.text).toBe(201);
      expect(foreign.body.mgmtAddress).toBe(registeredMgmt.address);
      expect(foreign.body.mgmtAddressId).toBeNull();
      expect(foreign.body.warnings).toEqual([expect.objectContaining({ code: 'mgmt_address_out_of_scope', field: 'mgmtAddress' })]);
      expect(foreign.body.warnings[0].message).toContain(dept);
      const patched = await t.call('PATCH', `/api/v1/devices/${foreign.body.id}`, { token: countyOp, body: { mgmtAddress: registeredMgmt.address } });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.mgmtAddressId).toBeNull();
      // Nanning's operator acts for the holder: it may link the record.
      const byCity = await t.call('PATCH', `/api/v1/devices/${foreign.body.id}`, { token: cityOp, body: { mgmtAddress: registeredMgmt.address } });
      expect(byCity.status, byCity.text).toBe(200);
      expect(byCity.body.mgmtAddressId).toBe(registeredMgmt.id);
      const unlinked = await t.call('PATCH', `/api/v1/devices/${foreign.body.id}`, { token: cityOp, body: { mgmtAddress: null } });
      expect(unlinked.status, unlinked.text).toBe(200);
    });

    it('names as SNMP or SSH agent only an agent user of the subtree', async () => {
      await refusedForScope(
        t.call('POST', '/api/v1/devices', { token: countyOp, body: countyDevice({ snmp: { agent: agents.sibling, version: '2c', community: 'c' } }) }),
        'snmp.agent',
        agents.sibling,
        '450103',
      );
      await refusedForScope(t.call('POST', '/api/v1/devices', { token: countyOp, body: countyDevice({ ssh: { agent: agentName, username: 'u', password: 'p' } }) }), 'ssh.agent', agentName, '450100');
      await refusedForScope(t.call('PATCH', `/api/v1/devices/${countyAgg.id}`, { token: countyOp, body: { snmp: { agent: agents.sibling, version: '2c', community: 'c' } } }), 'snmp.agent', agents.sibling);
      const own = await t.call('POST', '/api/v1/devices', { token: countyOp, body: countyDevice({ snmp: { agent: agents.county, version: '2c', community: 'c' } }) });
      expect(own.status, own.text).toBe(201);
      expect(own.body.snmp.agent).toBe(agents.county);
      const byCity = await t.call('PATCH', `/api/v1/devices/${countyAgg.id}`, { token: cityOp, body: { ssh: { agent: agents.sibling, username: 'u', password: 'p' } } });
      expect(byCity.status, byCity.text).toBe(200);
      expect(byCity.body.ssh.agent).toBe(agents.sibling);
    });

    it('registers, changes and removes a link only when both ends and the paying unit are in the subtree', async () => {
      const link = (a: { id: string }, aIf: string, z: { id: string }, zIf: string, payingUnit: string) => ({
        name: `范围链路 ${aIf}-${zIf}`,
        aDevice: a.id,
        aInterface: aIf,
        zDevice: z.id,
        zInterface: zIf,
        capacityMbps: 100,
        payingUnit,
      });
      // The city's node down to the county: the county may not register it, though it pays.
      await refusedForScope(t.call('POST', '/api/v1/links', { token: countyOp, body: link(cityPe, 'GE0/0/1', countyAgg, 'XGE1/0/1', '450102') }), cityPe.hostname, '450100');
      // Across two counties: neither county, only their common city (or the admin).
      const across = link(countyAgg, 'XGE1/0/2', siblingAgg, 'XGE1/0/1', '450102');
      await refusedForScope(t.call('POST', '/api/v1/links', { token: countyOp, body: across }), siblingAgg.hostname, '450103');
      const created = await t.call('POST', '/api/v1/links', { token: cityOp, body: across });
      expect(created.status, created.text).toBe(201);
      await refusedForScope(t.call('PATCH', `/api/v1/links/${created.body.id}`, { token: countyOp, body: { capacityMbps: 1000 } }), siblingAgg.hostname);
      await refusedForScope(t.call('DELETE', `/api/v1/links/${created.body.id}`, { token: countyOp }), siblingAgg.hostname);
      // Both ends its own, but paid by the neighbour: refused too.
      const ownEnds = link(countyAgg, 'XGE1/0/3', { id: (await asAdmin('POST', '/api/v1/devices', countyDevice({ interfaces: [{ name: 'GE1' }] }))).id }, 'GE1', '450103');
      await refusedForScope(t.call('POST', '/api/v1/links', { token: countyOp, body: ownEnds }), '450103');
      const raised = await t.call('PATCH', `/api/v1/links/${created.body.id}`, { token: cityOp, body: { capacityMbps: 1000 } });
      expect(raised.status, raised.text).toBe(200);
      const removed = await t.call('DELETE', `/api/v1/links/${created.body.id}`, { token: cityOp });
      expect(removed.status).toBe(204);
      const own = await t.call('POST', '/api/v1/links', { token: countyOp, body: { ...ownEnds, payingUnit: '450102' } });
      expect(own.status, own.text).toBe(201);
    });
  });

  it('lists devices by owner subtree and agent, and shows them in the OpenAPI document', async () => {
    const within = await t.call('GET', '/api/v1/devices?within=450102&limit=2', { token: auditor });
    expect(within.status).toBe(200);
    expect(within.body.items).toHaveLength(2);
    expect(within.body.nextCursor).not.toBeNull();
    const next = await t.call('GET', `/api/v1/devices?within=450102&limit=1000&cursor=${within.body.nextCursor}`, { token: auditor });
    const owners = [...within.body.items, ...next.body.items].map((d: { ownerUnit: string }) => d.ownerUnit);
    expect(new Set(owners)).toEqual(new Set(['450102', countyDept]));
    const applicant = await t.userToken('applicant', dept);
    // An applicant reads its own department's devices only (issue 13: reads are least-privilege).
    const own = await t.call('GET', '/api/v1/devices?limit=1000', { token: applicant });
    expect(own.status).toBe(200);
    const everyDevice = (await t.call('GET', '/api/v1/devices?limit=1000', { token: auditor })).body.items as { id: string; ownerUnit: string }[];
    expect(everyDevice.length).toBeGreaterThan(0);
    expect(own.body.items.map((d: { id: string }) => d.id)).toEqual(everyDevice.filter((d) => d.ownerUnit === dept).map((d) => d.id));
    const doc = await t.call('GET', '/openapi.json', { token: null });
    for (const p of ['/api/v1/rooms', '/api/v1/devices/{id}', '/api/v1/links/{id}', '/api/v1/agent/targets']) expect(Object.keys(doc.body.paths)).toContain(p);
  });
});
