// Reads are least-privilege (issue 13 item 8): lists filter silently, by role and subtree.
// The admin builds one world in three places — Xingning 450102 (a county of Nanning), Qingxiu
// 450103 (another county of Nanning), Liuzhou 450200 (another city) — then every role lists
// every kind and we check exactly which objects come back. Direct GETs (404 outside the scope)
// are the matrix's: test/integration/authz/reads.rows.ts.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';

type Who = 'admin' | 'auditor' | 'cityOp' | 'countyOp' | 'applicant' | 'cityApplicant';

describe.each(backends)('read scope on %s', (backend) => {
  let t: TestApp;
  const token: Partial<Record<Who, string>> = {};
  let agentToken: string;
  const dept = { city: `RS-NN-${backend}`.toUpperCase(), in: `RS-XN-${backend}`.toUpperCase(), sibling: `RS-QX-${backend}`.toUpperCase(), out: `RS-LZ-${backend}`.toUpperCase() };
  const ids: Record<string, string> = {};
  const suffix = `rs-${backend}.example`;
  const vpn = `rs-vpn-${backend}`;

  async function admin<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const reply = await t.call<T>(method, path, { body });
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
    return reply.body;
  }
  async function list(who: Who, path: string): Promise<any[]> {
    const reply = await t.call('GET', path, { token: token[who] });
    expect(reply.status, `${who} GET ${path}: ${reply.text}`).toBe(200);
    return reply.body.items;
  }
  /** The names (of `ids`) of the objects a list returns, among those this test made. */
  const named = (items: { id: string }[]) =>
    Object.entries(ids)
      .filter(([, id]) => items.some((item) => item.id === id))
      .map(([name]) => name)
      .sort();

  beforeAll(async () => {
    t = await startTestApp(backend);
    for (const [key, parent] of [
      ['city', '450100'],
      ['in', '450102'],
      ['sibling', '450103'],
      ['out', '450200'],
    ] as const) {
      await admin('POST', '/api/v1/units', { code: dept[key], name: `读取范围 ${key}`, parent, kind: 'department' });
    }
    token.admin = t.adminToken;
    token.auditor = await t.userToken('auditor', '450000');
    token.cityOp = await t.userToken('operator', '450100', `rs-city-op-${backend}`);
    token.countyOp = await t.userToken('operator', '450102', `rs-county-op-${backend}`);
    token.applicant = await t.userToken('applicant', dept.in, `rs-applicant-${backend}`);
    token.cityApplicant = await t.userToken('applicant', dept.city);
    agentToken = await t.userToken('agent', '450000');
    await t.userToken('operator', '450200', `rs-out-op-${backend}`);

    // IPAM: the region's pool → Nanning /20 → Xingning /24 → a department's /28; Qingxiu /24; Liuzhou /20 → its department's /28.
    const pool = await admin('POST', '/api/v1/prefixes', { vrf: 'public', cidr: '10.60.0.0/16', holder: '450000' });
    const nanning = await admin('POST', `/api/v1/prefixes/${pool.id}/allocate`, { prefixLength: 20, holder: '450100', status: 'allocated' });
    const xingning = await admin('POST', `/api/v1/prefixes/${nanning.id}/allocate`, { prefixLength: 24, holder: '450102', status: 'allocated' });
    const xingningDept = await admin('POST', `/api/v1/prefixes/${xingning.id}/allocate`, { prefixLength: 28, holder: dept.in, status: 'assigned' });
    const qingxiu = await admin('POST', `/api/v1/prefixes/${nanning.id}/allocate`, { prefixLength: 24, holder: '450103', status: 'allocated' });
    const liuzhou = await admin('POST', `/api/v1/prefixes/${pool.id}/allocate`, { prefixLength: 20, holder: '450200', status: 'allocated' });
    const liuzhouDept = await admin('POST', `/api/v1/prefixes/${liuzhou.id}/allocate`, { prefixLength: 28, holder: dept.out, status: 'assigned' });
    await admin('POST', '/api/v1/vrfs', { name: vpn, zone: 'dedicated' });
    const vpnPool = await admin('POST', '/api/v1/prefixes', { vrf: vpn, cidr: '10.61.0.0/16', holder: '450000' });
    const vpnLiuzhou = await admin('POST', `/api/v1/prefixes/${vpnPool.id}/allocate`, { prefixLength: 24, holder: '450200', status: 'allocated' });
    Object.assign(ids, {
      'prefix:pool': pool.id,
      'prefix:nanning': nanning.id,
      'prefix:xingning': xingning.id,
      'prefix:xingning-dept': xingningDept.id,
      'prefix:qingxiu': qingxiu.id,
      'prefix:liuzhou': liuzhou.id,
      'prefix:liuzhou-dept': liuzhouDept.id,
      'prefix:vpn-pool': vpnPool.id,
      'prefix:vpn-liuzhou': vpnLiuzhou.id,
    });
    ids['address:xingning'] = (await admin('POST', `/api/v1/prefixes/${xingningDept.id}/addresses`, { hostname: 'oa' })).id;
    ids['address:liuzhou'] = (await admin('POST', `/api/v1/prefixes/${liuzhouDept.id}/addresses`, { hostname: 'oa' })).id;

    // DNS: the root zone → nanning → xingning (→ its department's oa) and qingxiu; liuzhou.
    const ns = [{ name: 'ns.rs.example.net' }];
    const root = await admin('POST', '/api/v1/domains', { name: suffix, holder: '450000', nameservers: ns });
    const nn = await admin('POST', `/api/v1/domains/${root.id}/delegate`, { label: 'nanning', holder: '450100', nameservers: ns });
    const xn = await admin('POST', `/api/v1/domains/${nn.id}/delegate`, { label: 'xingning', holder: '450102', nameservers: ns });
    const oa = await admin('POST', `/api/v1/domains/${xn.id}/delegate`, { label: 'oa', holder: dept.in, nameservers: ns });
    const qx = await admin('POST', `/api/v1/domains/${nn.id}/delegate`, { label: 'qingxiu', holder: '450103', nameservers: ns });
    const lz = await admin('POST', `/api/v1/domains/${root.id}/delegate`, { label: 'liuzhou', holder: '450200', nameservers: ns });
    Object.assign(ids, { 'domain:root': root.id, 'domain:nanning': nn.id, 'domain:xingning': xn.id, 'domain:xingning-oa': oa.id, 'domain:qingxiu': qx.id, 'domain:liuzhou': lz.id });

    // Sites: rooms of each division; devices; links (A is the upper-level side).
    for (const [name, unit] of [
      ['room:nanning', '450100'],
      ['room:xingning', '450102'],
      ['room:qingxiu', '450103'],
      ['room:liuzhou', '450200'],
    ]) {
      ids[name] = (await admin('POST', '/api/v1/rooms', { name: `机房 ${name}`, unit, address: '' })).id;
    }
    const device = async (name: string, owner: string, role: string, phone: string) => {
      ids[`device:${name}`] = (
        await admin('POST', '/api/v1/devices', {
          hostname: `rs-${name}-${backend}`,
          role,
          vendor: 'huawei',
          ownerUnit: owner,
          responsible: { name: '值班员', phone },
          interfaces: [{ name: 'GE0/0/1' }, { name: 'GE0/0/2' }, { name: 'GE0/0/3' }],
        })
      ).id;
    };
    await device('nanning-pe', '450100', 'pe', '0771-1000001');
    await device('nanning-dept', dept.city, 'boundary', '13800000002');
    await device('xingning-agg', '450102', 'aggregation', '0771-1000003');
    await device('xingning-dept', dept.in, 'boundary', '13800000004');
    await device('qingxiu-agg', '450103', 'aggregation', '0771-1000005');
    await device('liuzhou-pe', '450200', 'pe', '0772-1000006');
    await device('liuzhou-dept', dept.out, 'boundary', '13800000007');
    const link = async (name: string, a: string, aIf: string, z: string, zIf: string, payingUnit: string) => {
      ids[`link:${name}`] = (
        await admin('POST', '/api/v1/links', { name: `rs ${name}`, aDevice: ids[`device:${a}`], aInterface: aIf, zDevice: ids[`device:${z}`], zInterface: zIf, capacityMbps: 100, payingUnit })
      ).id;
    };
    await link('nanning-xingning', 'nanning-pe', 'GE0/0/1', 'xingning-agg', 'GE0/0/1', '450100');
    await link('xingning-dept', 'xingning-agg', 'GE0/0/2', 'xingning-dept', 'GE0/0/1', '450102');
    await link('nanning-qingxiu', 'nanning-pe', 'GE0/0/2', 'qingxiu-agg', 'GE0/0/1', '450100');
    await link('nanning-dept', 'nanning-pe', 'GE0/0/3', 'nanning-dept', 'GE0/0/1', '450100');
    await link('liuzhou-dept', 'liuzhou-pe', 'GE0/0/1', 'liuzhou-dept', 'GE0/0/1', '450200');

    // Telemetry's own rows, as the server's checks would write them.
    const db = t.database.db;
    const finding = async (name: string, device: string) => {
      const [row] = await rows<{ id: string | number }>(
        db,
        sql`INSERT INTO findings (device_id, kind, subject, detail, status, opened_at) VALUES (${Number(ids[`device:${device}`])}, 'unreachable', '', 'read scope', 'open', now()) RETURNING id`,
      );
      ids[`finding:${name}`] = String(row.id);
    };
    await finding('xingning-dept', 'xingning-dept');
    await finding('qingxiu-agg', 'qingxiu-agg');
    await finding('liuzhou-pe', 'liuzhou-pe');
    const incident = async (name: string, kind: 'device_down' | 'link_down', device: string | null, link: string | null, reportedTo: string, paying: string | null) => {
      const [row] = await rows<{ id: string | number }>(
        db,
        sql`INSERT INTO incidents (kind, device_id, link_id, reported_to, paying_unit_code, detail, status, opened_at, detected_at)
            VALUES (${kind}, ${device ? Number(ids[`device:${device}`]) : null}, ${link ? Number(ids[`link:${link}`]) : null}, ${reportedTo}, ${paying}, 'read scope', 'open', now(), now()) RETURNING id`,
      );
      ids[`incident:${name}`] = String(row.id);
    };
    await incident('qingxiu-agg', 'device_down', 'qingxiu-agg', null, '450100', '450103');
    await incident('xingning-dept-link', 'link_down', null, 'xingning-dept', '450100', '450102');
    await incident('liuzhou-pe', 'device_down', 'liuzhou-pe', null, '450000', '450200');
    // A device since deleted: only whom it was reported to is left.
    await incident('reported-to-xingning', 'device_down', null, null, '450102', null);
    const request = async (name: string, link: string, unit: string) => {
      const [row] = await rows<{ id: string | number }>(
        db,
        sql`INSERT INTO expansion_requests (link_id, unit_code, status, evidence, current_mbps, recommended_mbps, raised_at, evaluated_at)
            VALUES (${Number(ids[`link:${link}`])}, ${unit}, 'open', ${JSON.stringify({ p95In: 75, p95Out: 30, peak: 80, samples: 2016 })}::jsonb, 100, 200, now(), now()) RETURNING id`,
      );
      ids[`expansion:${name}`] = String(row.id);
    };
    await request('xingning-dept', 'xingning-dept', '450102');
    await request('nanning-qingxiu', 'nanning-qingxiu', '450100');
    await request('liuzhou-dept', 'liuzhou-dept', '450200');

    for (const [name, unit] of [
      ['webhook:nanning', '450100'],
      ['webhook:xingning', '450102'],
      ['webhook:liuzhou', '450200'],
    ]) {
      ids[name] = (await admin('POST', '/api/v1/webhooks', { unit, url: 'https://noc.example.cn/rs', secret: 'read-scope-webhook-secret', events: ['incident.opened'] })).id;
    }
  });
  afterAll(async () => t?.close());

  const kind = (prefix: string) => (names: string[]) => names.filter((n) => n.startsWith(`${prefix}:`));

  it('lists prefixes by subtree, with the ancestors that hold one’s space, in every VRF', async () => {
    const prefixesOf = async (who: Who) => kind('prefix')(named([...(await list(who, '/api/v1/prefixes?limit=1000&within=10.60.0.0/15')), ...(await list(who, `/api/v1/prefixes?vrf=${vpn}`))]));
    const all = ['prefix:liuzhou', 'prefix:liuzhou-dept', 'prefix:nanning', 'prefix:pool', 'prefix:qingxiu', 'prefix:vpn-liuzhou', 'prefix:vpn-pool', 'prefix:xingning', 'prefix:xingning-dept'];
    expect(await prefixesOf('admin')).toEqual(all);
    expect(await prefixesOf('auditor')).toEqual(all);
    expect(await prefixesOf('cityOp')).toEqual(['prefix:nanning', 'prefix:pool', 'prefix:qingxiu', 'prefix:xingning', 'prefix:xingning-dept']);
    expect(await prefixesOf('countyOp')).toEqual(['prefix:nanning', 'prefix:pool', 'prefix:xingning', 'prefix:xingning-dept']);
    expect(await prefixesOf('applicant')).toEqual(['prefix:xingning-dept']);
    expect(await prefixesOf('cityApplicant')).toEqual([]);

    // The children of an ancestor: only the branch that leads to one's own space.
    expect(kind('prefix')(named(await list('countyOp', `/api/v1/prefixes/${ids['prefix:nanning']}/children`)))).toEqual(['prefix:xingning']);
    expect(kind('prefix')(named(await list('countyOp', `/api/v1/prefixes/${ids['prefix:pool']}/children`)))).toEqual(['prefix:nanning']);
    expect(kind('prefix')(named(await list('cityOp', `/api/v1/prefixes/${ids['prefix:nanning']}/children`)))).toEqual(['prefix:qingxiu', 'prefix:xingning']);
    // The children of a prefix one may not read: 404, as its GET — even where a child is one's own
    // (the applicant holds xingning-dept, not xingning); a readable childless one: an empty page.
    const childrenStatus = async (who: Who, id: string) => (await t.call('GET', `/api/v1/prefixes/${id}/children`, { token: token[who] })).status;
    expect(await childrenStatus('countyOp', ids['prefix:liuzhou'])).toBe(404);
    expect(await childrenStatus('cityOp', ids['prefix:liuzhou'])).toBe(404);
    expect(await childrenStatus('applicant', ids['prefix:xingning'])).toBe(404);
    expect((await t.call('GET', `/api/v1/prefixes/${ids['prefix:xingning']}`, { token: token.applicant })).status).toBe(404);
    expect(await childrenStatus('admin', '999999999')).toBe(404);
    const childless = await t.call('GET', `/api/v1/prefixes/${ids['prefix:xingning-dept']}/children`, { token: token.applicant });
    expect(childless.status).toBe(200);
    expect(childless.text).toBe('{"items":[],"nextCursor":null}');

    const agent = await t.call('GET', '/api/v1/prefixes', { token: agentToken });
    expect(agent.status).toBe(403);
  });

  it('exports only what the caller may list', async () => {
    const exported = async (who: Who) => {
      const reply = await t.call('GET', '/api/v1/prefixes/export?format=csv', { token: token[who] });
      expect(reply.status, reply.text).toBe(200);
      return reply.text;
    };
    const all = await exported('admin');
    for (const cidr of ['10.60.0.0/16', '10.60.0.0/24', '10.60.1.0/24', '10.60.16.0/20', '10.61.0.0/24']) expect(all).toContain(cidr);
    const county = await exported('countyOp');
    for (const cidr of ['10.60.0.0/16', '10.60.0.0/20', '10.60.0.0/24', '10.60.0.0/28']) expect(county).toContain(cidr);
    for (const cidr of ['10.60.1.0/24', '10.60.16.0/20', '10.60.16.0/28', '10.61.0.0/16', '10.61.0.0/24', vpn]) expect(county).not.toContain(cidr);
    const applicant = (await exported('applicant')).trim().split(/\r?\n/);
    expect(applicant).toHaveLength(2);
    expect(applicant[1]).toContain('10.60.0.0/28');
  });

  it('lists addresses by the holder’s subtree', async () => {
    const addressesOf = async (who: Who) => kind('address')(named(await list(who, '/api/v1/addresses?limit=1000')));
    expect(await addressesOf('auditor')).toEqual(['address:liuzhou', 'address:xingning']);
    expect(await addressesOf('cityOp')).toEqual(['address:xingning']);
    expect(await addressesOf('countyOp')).toEqual(['address:xingning']);
    expect(await addressesOf('applicant')).toEqual(['address:xingning']);
    expect(await addressesOf('cityApplicant')).toEqual([]);
  });

  it('lists domains by subtree, with the zones above one’s own', async () => {
    const domainsOf = async (who: Who) => kind('domain')(named(await list(who, '/api/v1/domains?limit=1000')));
    expect(await domainsOf('auditor')).toEqual(['domain:liuzhou', 'domain:nanning', 'domain:qingxiu', 'domain:root', 'domain:xingning', 'domain:xingning-oa']);
    expect(await domainsOf('cityOp')).toEqual(['domain:nanning', 'domain:qingxiu', 'domain:root', 'domain:xingning', 'domain:xingning-oa']);
    expect(await domainsOf('countyOp')).toEqual(['domain:nanning', 'domain:root', 'domain:xingning', 'domain:xingning-oa']);
    expect(await domainsOf('applicant')).toEqual(['domain:xingning-oa']);
    // Zone files: the holder's readers, and any agent (a DNS server pulling with an agent's token).
    expect((await t.call('GET', `/api/v1/domains/${ids['domain:qingxiu']}/zone`, { token: token.countyOp })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/domains/${ids['domain:qingxiu']}/zone`, { token: agentToken })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/domains/${ids['domain:nanning']}/zone`, { token: token.countyOp })).status).toBe(200);
  });

  it('lists units: every division, and departments by subtree', async () => {
    const departmentsOf = async (who: Who) => (await list(who, '/api/v1/units?kind=department&limit=1000')).map((u) => u.code).filter((c: string) => c.startsWith('RS-')).sort();
    expect(await departmentsOf('auditor')).toEqual([dept.city, dept.out, dept.sibling, dept.in].sort());
    expect(await departmentsOf('cityOp')).toEqual([dept.city, dept.sibling, dept.in].sort());
    expect(await departmentsOf('countyOp')).toEqual([dept.in]);
    expect(await departmentsOf('applicant')).toEqual([dept.in]);
    for (const who of ['countyOp', 'applicant'] as const) {
      const cities = (await list(who, '/api/v1/units?level=city&kind=division&limit=1000')).map((u) => u.code);
      expect(cities).toHaveLength(14);
      expect((await list(who, '/api/v1/units?parent=450200&limit=1000')).some((u) => u.code === '450202')).toBe(true);
    }
  });

  it('lists users of the operator’s subtree only', async () => {
    const usersOf = async (who: Who) => (await list(who, '/api/v1/users?limit=1000')).map((u) => u.username).filter((n: string) => n.startsWith('rs-')).sort();
    const all = [`rs-applicant-${backend}`, `rs-city-op-${backend}`, `rs-county-op-${backend}`, `rs-out-op-${backend}`];
    expect(await usersOf('auditor')).toEqual(all);
    expect(await usersOf('cityOp')).toEqual([`rs-applicant-${backend}`, `rs-city-op-${backend}`, `rs-county-op-${backend}`]);
    expect(await usersOf('countyOp')).toEqual([`rs-applicant-${backend}`, `rs-county-op-${backend}`]);
    expect((await t.call('GET', '/api/v1/users', { token: token.applicant })).status).toBe(403);
  });

  it('lists rooms, devices and links by subtree, with the devices and links that touch it', async () => {
    const roomsOf = async (who: Who) => kind('room')(named(await list(who, '/api/v1/rooms?limit=1000')));
    expect(await roomsOf('auditor')).toEqual(['room:liuzhou', 'room:nanning', 'room:qingxiu', 'room:xingning']);
    expect(await roomsOf('cityOp')).toEqual(['room:nanning', 'room:qingxiu', 'room:xingning']);
    expect(await roomsOf('countyOp')).toEqual(['room:xingning']);
    expect((await t.call('GET', '/api/v1/rooms', { token: token.applicant })).status).toBe(403);

    const devicesOf = async (who: Who) => kind('device')(named(await list(who, '/api/v1/devices?limit=1000')));
    expect(await devicesOf('auditor')).toEqual(
      ['device:liuzhou-dept', 'device:liuzhou-pe', 'device:nanning-dept', 'device:nanning-pe', 'device:qingxiu-agg', 'device:xingning-agg', 'device:xingning-dept'].sort(),
    );
    expect(await devicesOf('cityOp')).toEqual(['device:nanning-dept', 'device:nanning-pe', 'device:qingxiu-agg', 'device:xingning-agg', 'device:xingning-dept']);
    // Nanning's PE ends the link into Xingning: the county sees it, not the PE's other links' far ends.
    expect(await devicesOf('countyOp')).toEqual(['device:nanning-pe', 'device:xingning-agg', 'device:xingning-dept']);
    expect(await devicesOf('applicant')).toEqual(['device:xingning-dept']);

    const linksOf = async (who: Who) => kind('link')(named(await list(who, '/api/v1/links?limit=1000')));
    expect(await linksOf('auditor')).toEqual(['link:liuzhou-dept', 'link:nanning-dept', 'link:nanning-qingxiu', 'link:nanning-xingning', 'link:xingning-dept']);
    expect(await linksOf('cityOp')).toEqual(['link:nanning-dept', 'link:nanning-qingxiu', 'link:nanning-xingning', 'link:xingning-dept']);
    expect(await linksOf('countyOp')).toEqual(['link:nanning-xingning', 'link:xingning-dept']);
    expect(await linksOf('applicant')).toEqual(['link:xingning-dept']);
  });

  it('never shows an applicant the phone number of a device not its own', async () => {
    const texts: string[] = [];
    for (const path of ['/api/v1/devices?limit=1000', '/api/v1/links?limit=1000', '/api/v1/findings?limit=1000', '/api/v1/incidents?limit=1000', '/api/v1/expansion-requests?limit=1000']) {
      const reply = await t.call('GET', path, { token: token.applicant });
      expect(reply.status, `${path}: ${reply.text}`).toBe(200);
      texts.push(reply.text);
    }
    for (const name of Object.keys(ids).filter((n) => n.startsWith('device:'))) {
      const reply = await t.call('GET', `/api/v1/devices/${ids[name]}`, { token: token.applicant });
      expect(reply.status, name).toBe(name === 'device:xingning-dept' ? 200 : 404);
      texts.push(reply.text);
    }
    const all = texts.join('\n');
    expect(all).toContain('13800000004');
    for (const phone of ['0771-1000001', '13800000002', '0771-1000003', '0771-1000005', '0772-1000006', '13800000007']) expect(all).not.toContain(phone);
  });

  it('keeps RDAP free of the responsible persons’ phone numbers', async () => {
    await admin('PATCH', `/api/v1/devices/${ids['device:xingning-dept']}`, { mgmtAddress: '10.60.0.1' });
    const texts = await Promise.all(
      ['/rdap/ip/10.60.0.1', '/rdap/ip/10.60.0.0/28', `/rdap/entity/${dept.in}`, '/rdap/entity/450102', `/rdap/domain/oa.xingning.nanning.${suffix}`].map(async (path) => {
        const reply = await t.call('GET', path, { token: null });
        expect(reply.status, `${path}: ${reply.text}`).toBe(200);
        return reply.text;
      }),
    );
    for (const text of texts) {
      expect(text).not.toMatch(/1380000000\d|0771-100000\d/);
      expect(text).not.toContain('值班员');
    }
  });

  it('lists findings, incidents and expansion requests of the devices and links one reads', async () => {
    const findingsOf = async (who: Who) => kind('finding')(named(await list(who, '/api/v1/findings?limit=1000')));
    expect(await findingsOf('auditor')).toEqual(['finding:liuzhou-pe', 'finding:qingxiu-agg', 'finding:xingning-dept']);
    expect(await findingsOf('cityOp')).toEqual(['finding:qingxiu-agg', 'finding:xingning-dept']);
    expect(await findingsOf('countyOp')).toEqual(['finding:xingning-dept']);
    expect(await findingsOf('applicant')).toEqual(['finding:xingning-dept']);
    expect(await findingsOf('cityApplicant')).toEqual([]);

    const incidentsOf = async (who: Who) => kind('incident')(named(await list(who, '/api/v1/incidents?limit=1000')));
    expect(await incidentsOf('auditor')).toEqual(['incident:liuzhou-pe', 'incident:qingxiu-agg', 'incident:reported-to-xingning', 'incident:xingning-dept-link']);
    expect(await incidentsOf('cityOp')).toEqual(['incident:qingxiu-agg', 'incident:reported-to-xingning', 'incident:xingning-dept-link']);
    expect(await incidentsOf('countyOp')).toEqual(['incident:reported-to-xingning', 'incident:xingning-dept-link']);
    expect(await incidentsOf('applicant')).toEqual(['incident:xingning-dept-link']);

    const requestsOf = async (who: Who) => kind('expansion')(named(await list(who, '/api/v1/expansion-requests?limit=1000')));
    expect(await requestsOf('auditor')).toEqual(['expansion:liuzhou-dept', 'expansion:nanning-qingxiu', 'expansion:xingning-dept']);
    expect(await requestsOf('cityOp')).toEqual(['expansion:nanning-qingxiu', 'expansion:xingning-dept']);
    expect(await requestsOf('countyOp')).toEqual(['expansion:xingning-dept']);
    expect(await requestsOf('applicant')).toEqual(['expansion:xingning-dept']);
  });

  it('lists webhooks by subtree, and filters a unit outside it silently', async () => {
    const hooksOf = async (who: Who, query = '') => kind('webhook')(named(await list(who, `/api/v1/webhooks?limit=1000${query}`)));
    expect(await hooksOf('auditor')).toEqual(['webhook:liuzhou', 'webhook:nanning', 'webhook:xingning']);
    expect(await hooksOf('cityOp')).toEqual(['webhook:nanning', 'webhook:xingning']);
    expect(await hooksOf('countyOp')).toEqual(['webhook:xingning']);
    expect(await hooksOf('countyOp', '&unit=450100')).toEqual([]);
    expect((await t.call('GET', `/api/v1/webhooks/${ids['webhook:nanning']}`, { token: token.countyOp })).status).toBe(404);
  });
  it('lists applications by applicant, reviewer or co-applicant, and agreements by their parties', async () => {
    const body = (applicant: string, coApplicants?: string[]) => ({
      type: 'access',
      applicant,
      bandwidthMbps: 10,
      securityLevel: 2,
      secrecyCheck: { done: true, classified: false },
      systems: [{ name: '读取范围系统' }],
      contact: { name: '李明', phone: '0771-5551234' },
      boundaryResponsible: { name: '韦工', phone: '0771-5550000' },
      ...(coApplicants ? { coApplicants } : {}),
    });
    const made: Record<string, string> = {};
    for (const [name, applicant, co] of [
      ['application:city', dept.city, undefined],
      ['application:xingning', dept.in, undefined],
      ['application:qingxiu', dept.sibling, undefined],
      ['application:liuzhou', dept.out, undefined],
      ['application:joint', dept.city, [dept.in]],
    ] as const) {
      made[name] = (await admin('POST', '/api/v1/applications', body(applicant, co ? [...co] : undefined))).id;
    }
    for (const name of ['application:city', 'application:xingning', 'application:liuzhou']) {
      await admin('POST', `/api/v1/applications/${made[name]}/accept`);
      const decided = await admin('POST', `/api/v1/applications/${made[name]}/decision`, { decision: 'approve', opinion: '同意' });
      made[name.replace('application', 'agreement')] = decided.agreementId;
    }
    Object.assign(ids, made);
    const applicationsOf = async (who: Who) => kind('application')(named(await list(who, '/api/v1/applications?limit=1000')));
    expect(await applicationsOf('auditor')).toEqual(['application:city', 'application:joint', 'application:liuzhou', 'application:qingxiu', 'application:xingning']);
    expect(await applicationsOf('cityOp')).toEqual(['application:city', 'application:joint', 'application:qingxiu', 'application:xingning']);
    expect(await applicationsOf('countyOp')).toEqual(['application:joint', 'application:xingning']);
    expect(await applicationsOf('applicant')).toEqual(['application:joint', 'application:xingning']);
    expect(await applicationsOf('cityApplicant')).toEqual(['application:city', 'application:joint']);
    const agreementsOf = async (who: Who) => kind('agreement')(named(await list(who, '/api/v1/agreements?limit=1000')));
    expect(await agreementsOf('auditor')).toEqual(['agreement:city', 'agreement:liuzhou', 'agreement:xingning']);
    expect(await agreementsOf('cityOp')).toEqual(['agreement:city', 'agreement:xingning']);
    expect(await agreementsOf('countyOp')).toEqual(['agreement:xingning']);
    expect(await agreementsOf('applicant')).toEqual(['agreement:xingning']);
    expect(await agreementsOf('cityApplicant')).toEqual(['agreement:city']);
  });
});
