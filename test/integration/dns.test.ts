import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { checkZone } from '../support/named.js';
import { buildChain } from './dns-fixtures.js';

async function zoneOf(t: TestApp, id: string) {
  const reply = await t.call('GET', `/api/v1/domains/${id}/zone`);
  expect(reply.status, reply.text).toBe(200);
  expect(reply.headers.get('content-type')).toContain('text/dns');
  return reply;
}

async function expectValid(origin: string, text: string) {
  const checked = await checkZone(origin, text);
  expect(checked.ok, `${checked.output}\n${text}`).toBe(true);
  expect(checked.output).toContain('OK');
}

describe.each(backends)('domains, records and zone files on %s', (backend) => {
  let t: TestApp;
  let chain: Awaited<ReturnType<typeof buildChain>>;
  const suffix = 'gx.example';

  beforeAll(async () => {
    t = await startTestApp(backend);
    chain = await buildChain(t, suffix);
  });
  afterAll(async () => t?.close());

  it('delegates region → city → county → township, each zone with its delegation and glue, all accepted by named-checkzone', async () => {
    expect(chain.root).toMatchObject({ name: suffix, holder: { code: '450000' }, parentId: null });
    expect(chain.city).toMatchObject({ name: `nanning.${suffix}`, holder: { code: '450100', name: '南宁市' }, parentId: chain.root.id });
    expect(chain.township).toMatchObject({ name: `chaoyang.xingning.nanning.${suffix}`, holder: { code: '450102002' } });

    const root = await zoneOf(t, chain.root.id);
    await expectValid(suffix, root.text);
    const rootLines = root.text.split('\n');
    expect(rootLines).toContain(`${suffix}. 3600 IN SOA ns1.${suffix}. hostmaster.${suffix}. ${(await t.call('GET', `/api/v1/domains/${chain.root.id}`)).body.serial} 3600 900 1209600 300`);
    expect(rootLines).toContain(`${suffix}. 3600 IN NS ns1.${suffix}.`);
    expect(rootLines).toContain(`ns2.${suffix}. 3600 IN AAAA 2001:db8:45::53`);
    // The city's delegation: NS, glue for the server inside the child; the one in the parent has its address there, once.
    expect(rootLines).toContain(`nanning.${suffix}. 3600 IN NS ns1.nanning.${suffix}.`);
    expect(rootLines).toContain(`nanning.${suffix}. 3600 IN NS ns2.${suffix}.`);
    expect(rootLines).toContain(`ns1.nanning.${suffix}. 3600 IN A 10.45.1.53`);
    expect(rootLines.filter((l) => l === `ns2.${suffix}. 3600 IN A 10.45.0.54`)).toHaveLength(1);
    // Only one level: the county's delegation lives in the city's zone.
    expect(root.text).not.toContain(`xingning.nanning.${suffix}. 3600 IN NS`);

    const city = await zoneOf(t, chain.city.id);
    await expectValid(`nanning.${suffix}`, city.text);
    expect(city.text).toContain(`xingning.nanning.${suffix}. 3600 IN NS ns1.xingning.nanning.${suffix}.`);
    expect(city.text).toContain(`ns1.xingning.nanning.${suffix}. 3600 IN AAAA 2001:db8:45:2::53`);
    expect(city.text).toContain(`ns1.nanning.${suffix}. 3600 IN A 10.45.1.53`);

    const county = await zoneOf(t, chain.county.id);
    await expectValid(`xingning.nanning.${suffix}`, county.text);
    expect(county.text).toContain(`chaoyang.xingning.nanning.${suffix}. 3600 IN NS ns1.xingning.nanning.${suffix}.`);

    const township = await zoneOf(t, chain.township.id);
    await expectValid(`chaoyang.xingning.nanning.${suffix}`, township.text);
  });

  it('writes every record type, converts Chinese labels to punycode and shows both forms', async () => {
    const zone = chain.county.id;
    const op = chain.countyOp;
    const add = (body: object) => t.call('POST', `/api/v1/domains/${zone}/records`, { token: op, body });
    const origin = `xingning.nanning.${suffix}`;
    const made = [
      await add({ name: 'www', type: 'A', value: '10.45.2.80' }),
      await add({ name: `www.${origin}.`, type: 'AAAA', value: '2001:DB8:45:2:0:0:0:80', ttl: 600 }),
      await add({ name: 'portal', type: 'CNAME', value: 'www' }),
      await add({ name: '@', type: 'MX', value: `10 mail.${origin}.` }),
      await add({ name: 'mail', type: 'A', value: '10.45.2.25' }),
      await add({ name: '@', type: 'TXT', value: 'v=spf1 mx -all' }),
      await add({ name: '_dmarc', type: 'TXT', value: '说明 "quoted" \\ and a long tail '.repeat(12) }),
      await add({ name: '_sip._tcp', type: 'SRV', value: `10 5 5060 www.${origin}` }),
      await add({ name: 'lab', type: 'NS', value: 'ns.lab-provider.example.' }),
      await add({ name: '1.lan', type: 'PTR', value: 'www' }),
      await add({ name: '政务', type: 'A', value: '10.45.2.81' }),
    ];
    for (const r of made) expect(r.status, r.text).toBe(201);
    expect(made[1].body).toMatchObject({ value: '2001:db8:45:2::80', ttl: 600 });
    expect(made[2].body.value).toBe(`www.${origin}.`);
    expect(made[10].body).toMatchObject({ name: `xn--zfr164b.${origin}`, unicodeName: `政务.${origin}` });

    const text = (await zoneOf(t, zone)).text;
    await expectValid(origin, text);
    expect(text).toContain(`portal.${origin}. 3600 IN CNAME www.${origin}.`);
    expect(text).toContain(`_sip._tcp.${origin}. 3600 IN SRV 10 5 5060 www.${origin}.`);
    expect(text).toContain(`_dmarc.${origin}. 3600 IN TXT "\\232\\175\\180\\230\\152\\142 \\"quoted\\" \\\\ and`);

    const listed = await t.call('GET', `/api/v1/domains/${zone}/records?name=www&type=AAAA`);
    expect(listed.body.items).toHaveLength(1);

    const idn = await t.call('POST', `/api/v1/domains/${chain.city.id}/delegate`, {
      token: chain.cityOp,
      body: { label: '青秀', holder: '450103', nameservers: [{ name: `ns1.xingning.nanning.${suffix}` }] },
    });
    expect(idn.status, idn.text).toBe(201);
    expect(idn.body).toMatchObject({ name: `xn--4lzo91d.nanning.${suffix}`, unicodeName: `青秀.nanning.${suffix}` });
    const byUnicode = await t.call('GET', `/api/v1/domains?name=${encodeURIComponent(`青秀.nanning.${suffix}`)}`);
    expect(byUnicode.body.items.map((d: { id: string }) => d.id)).toEqual([idn.body.id]);
  });

  it('delegates a department’s name under its own division only', async () => {
    const dept = await t.call('POST', '/api/v1/units', { body: { code: 'DNS-NN-DSJ', name: '南宁市大数据发展局', parent: '450100', kind: 'department' } });
    expect(dept.status).toBe(201);
    const ok = await t.call('POST', `/api/v1/domains/${chain.city.id}/delegate`, {
      token: chain.cityOp,
      body: { label: 'dsj', holder: 'DNS-NN-DSJ', nameservers: [{ name: 'ns.dsj.example.net' }] },
    });
    expect(ok.status, ok.text).toBe(201);
    const before = await countRows(t, 'domains');
    const wrongDivision = await t.call('POST', `/api/v1/domains/${chain.root.id}/delegate`, {
      body: { label: 'dsj', holder: 'DNS-NN-DSJ', nameservers: [{ name: 'ns.dsj.example.net' }] },
    });
    expect(wrongDivision.status).toBe(422);
    expect(wrongDivision.body.code).toBe('delegation_rule');
    expect(wrongDivision.body.detail).toContain('its own division');
    const belowDepartment = await t.call('POST', `/api/v1/domains/${ok.body.id}/delegate`, {
      body: { label: 'x', holder: '450100', nameservers: [{ name: 'ns.dsj.example.net' }] },
    });
    expect(belowDepartment.status).toBe(422);
    expect(await countRows(t, 'domains')).toBe(before);
  });

  it('warns when an A record’s address is not the registry’s for the zone’s holder, and not when it is', async () => {
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: '10.46.0.0/16', holder: '450000', description: 'dns warnings' } });
    expect(pool.status, pool.text).toBe(201);
    const city = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 20, holder: '450100', status: 'allocated' } });
    expect(city.status, city.text).toBe(201);
    const dept = await t.call('POST', '/api/v1/units', { body: { code: 'DNS-NN-ZWFW', name: '南宁市政务服务中心', parent: '450100', kind: 'department' } });
    expect(dept.status, dept.text).toBe(201);
    const assigned = await t.call('POST', `/api/v1/prefixes/${city.body.id}/allocate`, { token: chain.cityOp, body: { prefixLength: 24, holder: 'DNS-NN-ZWFW', status: 'assigned' } });
    expect(assigned.status, assigned.text).toBe(201);
    const address = await t.call('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { token: chain.cityOp, body: { address: '10.46.0.10', hostname: `app.nanning.${suffix}` } });
    expect(address.status, address.text).toBe(201);

    const held = await t.call('POST', `/api/v1/domains/${chain.city.id}/records`, { token: chain.cityOp, body: { name: 'app', type: 'A', value: '10.46.0.10' } });
    expect(held.status).toBe(201);
    expect(held.body.warnings).toEqual([]);
    const unknown = await t.call('POST', `/api/v1/domains/${chain.city.id}/records`, { token: chain.cityOp, body: { name: 'ghost', type: 'A', value: '10.46.0.11' } });
    expect(unknown.status).toBe(201);
    expect(unknown.body.warnings).toMatchObject([{ code: 'address_not_registered' }]);
    // The county's zone may not claim the city's address without a word.
    const elsewhere = await t.call('POST', `/api/v1/domains/${chain.county.id}/records`, { token: chain.countyOp, body: { name: 'borrowed', type: 'A', value: '10.46.0.10' } });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.body.warnings).toMatchObject([{ code: 'address_held_elsewhere' }]);
    expect(elsewhere.body.warnings[0].message).toContain('DNS-NN-ZWFW');
  });

  describe('refuses bad input and changes nothing', () => {
    const tables = ['domains', 'dns_records', 'audit_entries'];
    const snapshot = async () => Promise.all(tables.map((table) => countRows(t, table)));
    const refuse = async (status: number, code: string, method: string, path: string, body: object, token?: string) => {
      const before = await snapshot();
      const reply = await t.call(method, path, { body, token });
      expect(reply.status, reply.text).toBe(status);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.code).toBe(code);
      expect(reply.body.detail.length).toBeGreaterThan(20);
      expect(await snapshot()).toEqual(before);
      return reply.body;
    };
    const delegate = (label: string, holder = '450200') => ({ label, holder, nameservers: [{ name: 'ns.example.net' }] });

    it('labels with a space or an underscore, 64-octet labels, 254-octet names', async () => {
      expect((await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, delegate('liu zhou'))).detail).toContain('space');
      expect((await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, delegate('liu_zhou'))).detail).toContain('underscore');
      expect((await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, delegate('a'.repeat(64)))).detail).toContain('64 octets');
      await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.root.id}/records`, { name: 'my_host', type: 'A', value: '10.45.0.9' });
      // 61 + 1 + 61 + 1 + 61 + 1 + 57 + 1 + 10 (gx.example) = 254 octets
      const long = `${'a'.repeat(61)}.${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(57)}`;
      expect(`${long}.${suffix}`).toHaveLength(254);
      const body = await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.root.id}/records`, { name: long, type: 'TXT', value: 'x' });
      expect(body.detail).toContain('253');
      expect(body.field).toBe('name');
      // Nineteen characters, but 64 octets once converted to punycode.
      const chinese = await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, delegate('广西壮族自治区南宁市兴宁区民生街道朝阳'));
      expect(chinese.detail).toContain('64 octets as xn--');
    });

    it('CNAME at the apex, CNAME beside another record, A with an IPv6 value, a name outside the zone', async () => {
      const records = `/api/v1/domains/${chain.county.id}/records`;
      const op = chain.countyOp;
      expect((await refuse(400, 'validation_failed', 'POST', records, { name: '@', type: 'CNAME', value: 'www' }, op)).detail).toContain('apex');
      expect((await refuse(409, 'conflict', 'POST', records, { name: 'www', type: 'CNAME', value: 'portal' }, op)).detail).toContain('stands alone');
      expect((await refuse(409, 'conflict', 'POST', records, { name: 'portal', type: 'A', value: '10.45.2.9' }, op)).detail).toContain('CNAME');
      // A name server's glue counts as data at its name.
      await refuse(409, 'conflict', 'POST', records, { name: 'ns1', type: 'CNAME', value: 'www' }, op);
      expect((await refuse(400, 'validation_failed', 'POST', records, { name: 'v6', type: 'A', value: '2001:db8::1' }, op)).detail).toContain('AAAA');
      await refuse(400, 'validation_failed', 'POST', records, { name: 'v4', type: 'AAAA', value: '10.0.0.1' }, op);
      expect((await refuse(400, 'validation_failed', 'POST', records, { name: 'www.other.example.', type: 'A', value: '10.45.2.1' }, op)).detail).toContain('outside the zone');
      await refuse(400, 'validation_failed', 'POST', records, { name: 'x', type: 'A', value: '10.45.2.1', ttl: 30 }, op);
      await refuse(400, 'validation_failed', 'POST', records, { name: 'x', type: 'MX', value: 'mail' }, op);
      await refuse(400, 'validation_failed', 'POST', records, { name: 'x', type: 'SRV', value: '1 2 70000 www' }, op);
      await refuse(409, 'conflict', 'POST', records, { name: 'www', type: 'A', value: '10.45.2.80' }, op);
      // Inside a child zone: the child's holder writes there.
      expect((await refuse(422, 'delegation_rule', 'POST', records, { name: 'www.chaoyang', type: 'A', value: '10.45.2.1' }, op)).detail).toContain('chaoyang');
      await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.county.id}/records`, { name: 'x', type: 'A', value: '10.45.2.1', extra: 1 }, op);
    });

    it('delegating to a unit two levels down, sideways, or a second time', async () => {
      const twoDown = await refuse(422, 'delegation_rule', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, delegate('chaoyang', '450102002'));
      expect(twoDown.detail).toContain('one level at a time');
      expect(twoDown.detail).toContain('450102');
      await refuse(422, 'delegation_rule', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, delegate('xingning', '450102'));
      await refuse(422, 'delegation_rule', 'POST', `/api/v1/domains/${chain.city.id}/delegate`, delegate('chengzhong', '450202'));
      await refuse(409, 'conflict', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, delegate('nanning', '450100'));
      await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, delegate('a.b'));
      // A name server inside the delegated zone needs glue.
      await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, { label: 'liuzhou', holder: '450200', nameservers: [{ name: `ns1.liuzhou.${suffix}` }] });
      await refuse(404, 'not_found', 'POST', '/api/v1/domains/999999/delegate', delegate('x'));
      await refuse(409, 'conflict', 'POST', '/api/v1/domains', { name: `sub.nanning.${suffix}`, holder: '450000', nameservers: [{ name: 'ns.example.net' }] });
      await refuse(400, 'validation_failed', 'POST', '/api/v1/domains', { name: '45.10.in-addr.arpa', holder: '450000', nameservers: [{ name: 'ns.example.net' }] });
      await refuse(400, 'validation_failed', 'POST', '/api/v1/domains', { name: 'root.example', holder: '450000', nameservers: [{ name: 'ns1.root.example' }] });
    });

    it('addresses for a name server outside the zone it serves, which would be written into another zone (issue 13 item 5)', async () => {
      const outside = (ns: string, zone: string) => `${ns} is outside ${zone}`;
      // The city's holder may not publish an address for a name of the region's zone through its delegation …
      const patched = await refuse(400, 'validation_failed', 'PATCH', `/api/v1/domains/${chain.city.id}`, {
        nameservers: [{ name: `ns1.nanning.${suffix}`, addresses: ['10.45.1.53'] }, { name: `www.${suffix}`, addresses: ['10.66.6.6'] }],
      }, chain.cityOp);
      expect(patched.field).toBe('nameservers.1.addresses');
      expect(patched.detail).toContain(outside(`www.${suffix}`, `nanning.${suffix}`));
      expect(patched.detail).toContain('drop addresses');
      expect((await t.call('GET', `/api/v1/domains/${chain.city.id}`)).body.nameservers.map((ns: { name: string }) => ns.name)).toEqual([`ns1.nanning.${suffix}`, `ns2.${suffix}`]);
      expect((await zoneOf(t, chain.root.id)).text).not.toContain('10.66.6.6');
      // … nor at delegation time, nor for a sibling's or a far name, nor for a root zone's server elsewhere.
      const delegated = await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.city.id}/delegate`, {
        label: 'liangqing', holder: '450108', nameservers: [{ name: `ns1.liangqing.nanning.${suffix}`, addresses: ['10.45.8.53'] }, { name: `ns1.nanning.${suffix}`, addresses: ['10.45.1.53'] }],
      }, chain.cityOp);
      expect(delegated.field).toBe('nameservers.1.addresses');
      expect(delegated.detail).toContain(outside(`ns1.nanning.${suffix}`, `liangqing.nanning.${suffix}`));
      await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.city.id}/delegate`, {
        label: 'liangqing', holder: '450108', nameservers: [{ name: `ns1.xingning.nanning.${suffix}`, addresses: ['10.45.2.53'] }],
      }, chain.cityOp);
      const root = await refuse(400, 'validation_failed', 'POST', '/api/v1/domains', { name: 'glue.example', holder: '450000', nameservers: [{ name: 'ns.example.net', addresses: ['192.0.2.53'] }] });
      expect(root.field).toBe('nameservers.0.addresses');
      expect(root.detail).toContain(outside('ns.example.net', 'glue.example'));
      // A server elsewhere in the delegating zone is named without addresses, and only when that zone publishes one for it.
      const unpublished = await refuse(400, 'validation_failed', 'POST', `/api/v1/domains/${chain.root.id}/delegate`, { label: 'wuzhou', holder: '450400', nameservers: [{ name: `ns9.${suffix}` }] });
      expect(unpublished.field).toBe('nameservers.0.name');
      expect(unpublished.detail).toContain(`${suffix} publishes no address for ns9.${suffix}`);
    });

    it('a zone file never carries glue outside the delegated zone, even for name servers stored before the rule (issue 13 item 5)', async () => {
      const township = `chaoyang.xingning.nanning.${suffix}`;
      // As an earlier version let the township's holder store it: an address for the county's own server, and for a name of the county's zone.
      await t.database.db.execute(sql`UPDATE domains SET nameservers = ${JSON.stringify([
        { name: `ns1.xingning.nanning.${suffix}`, addresses: ['10.66.6.1'] },
        { name: `ns1.${township}`, addresses: ['10.45.2.153'] },
      ])}::jsonb WHERE id = ${Number(chain.township.id)}`);
      const county = (await zoneOf(t, chain.county.id)).text;
      expect(county).not.toContain('10.66.6.1');
      expect(county).toContain(`ns1.xingning.nanning.${suffix}. 3600 IN A 10.45.2.53`);
      expect(county).toContain(`${township}. 3600 IN NS ns1.${township}.`);
      expect(county).toContain(`ns1.${township}. 3600 IN A 10.45.2.153`);
      await expectValid(`xingning.nanning.${suffix}`, county);
      await t.database.db.execute(sql`UPDATE domains SET nameservers = ${JSON.stringify(chain.township.nameservers.map((ns: { name: string; addresses: string[] }) => ({ name: ns.name, addresses: ns.addresses })))}::jsonb WHERE id = ${Number(chain.township.id)}`);
    });

    it('a county operator writing into another county’s zone, or delegating from it (403)', async () => {
      const qingxiu = await t.call('POST', `/api/v1/domains/${chain.city.id}/delegate`, {
        token: chain.cityOp,
        body: { label: 'qingxiu', holder: '450103', nameservers: [{ name: `ns1.nanning.${suffix}` }] },
      });
      expect(qingxiu.status, qingxiu.text).toBe(201);
      await refuse(403, 'forbidden', 'POST', `/api/v1/domains/${qingxiu.body.id}/records`, { name: 'www', type: 'A', value: '10.45.3.80' }, chain.countyOp);
      await refuse(403, 'forbidden', 'POST', `/api/v1/domains/${qingxiu.body.id}/delegate`, { label: 'x', holder: '450103001', nameservers: [{ name: 'ns.example.net' }] }, chain.countyOp);
      await refuse(403, 'forbidden', 'PATCH', `/api/v1/domains/${qingxiu.body.id}`, { ttl: 600 }, chain.countyOp);
      // …while in its own township's zone it writes freely.
      const own = await t.call('POST', `/api/v1/domains/${chain.township.id}/records`, { token: chain.countyOp, body: { name: 'www', type: 'A', value: '10.45.2.90' } });
      expect(own.status, own.text).toBe(201);
    });
  });

  it('deletes records and reclaims zones, bumping serials and keeping the audit trail', async () => {
    const zone = await t.call('POST', `/api/v1/domains/${chain.city.id}/delegate`, {
      token: chain.cityOp,
      body: { label: 'wuming', holder: '450110', nameservers: [{ name: 'ns.example.net' }] },
    });
    expect(zone.status, zone.text).toBe(201);
    const record = await t.call('POST', `/api/v1/domains/${zone.body.id}/records`, { token: chain.cityOp, body: { name: 'www', type: 'A', value: '10.45.9.1' } });
    expect(record.status).toBe(201);
    const busy = await t.call('DELETE', `/api/v1/domains/${zone.body.id}`, { token: chain.cityOp });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('in_use');
    const serialBefore = (await t.call('GET', `/api/v1/domains/${zone.body.id}`)).body.serial;
    expect((await t.call('DELETE', `/api/v1/records/${record.body.id}`, { token: chain.cityOp })).status).toBe(204);
    expect((await t.call('GET', `/api/v1/domains/${zone.body.id}`)).body.serial).toBeGreaterThan(serialBefore);
    const citySerial = (await t.call('GET', `/api/v1/domains/${chain.city.id}`)).body.serial;
    expect((await t.call('DELETE', `/api/v1/domains/${zone.body.id}`, { token: chain.cityOp })).status).toBe(204);
    expect((await t.call('GET', `/api/v1/domains/${chain.city.id}`)).body.serial).toBeGreaterThan(citySerial);
    const audit = await t.call('GET', `/api/v1/audit?object=domain:${zone.body.id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['domain.reclaim', 'domain.delegate']);
    const recordAudit = await t.call('GET', `/api/v1/audit?object=record:${record.body.id}`);
    expect(recordAudit.body.items.map((e: { action: string }) => e.action)).toEqual(['record.delete', 'record.create']);
  });

  it('changing a child’s name servers changes the parent’s delegation and serial', async () => {
    const parentBefore = (await t.call('GET', `/api/v1/domains/${chain.root.id}`)).body.serial;
    const changed = await t.call('PATCH', `/api/v1/domains/${chain.city.id}`, {
      token: chain.cityOp,
      body: { nameservers: [{ name: `ns1.nanning.${suffix}`, addresses: ['10.45.1.53'] }, { name: `ns3.nanning.${suffix}`, addresses: ['10.45.1.54'] }] },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.serial).toBeGreaterThan(chain.city.serial);
    const root = await zoneOf(t, chain.root.id);
    expect(root.text).toContain(`nanning.${suffix}. 3600 IN NS ns3.nanning.${suffix}.`);
    expect(root.text).toContain(`ns3.nanning.${suffix}. 3600 IN A 10.45.1.54`);
    expect(root.text).not.toContain(`nanning.${suffix}. 3600 IN NS ns2.${suffix}.`);
    expect((await t.call('GET', `/api/v1/domains/${chain.root.id}`)).body.serial).toBeGreaterThan(parentBefore);
    await expectValid(suffix, root.text);
  });
});

describe.each(backends)('zone serials on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => t?.close());

  it('counts YYYYMMDDnn in Asia/Shanghai days, past 99 changes a day, and answers pull jobs by ETag', async () => {
    // 10:00 in Shanghai on 10 March 2026.
    t.clock.now = new Date('2026-03-10T02:00:00Z');
    const zone = await t.call('POST', '/api/v1/domains', { body: { name: 'serial.example', holder: '450000', nameservers: [{ name: 'ns.example.net' }] } });
    expect(zone.status, zone.text).toBe(201);
    expect(zone.body.serial).toBe(2026031000);
    const first = await t.call('GET', `/api/v1/domains/${zone.body.id}/zone`);
    const etag = first.headers.get('etag')!;
    expect(first.text).toContain(' 2026031000 3600 900 1209600 300');

    const serials: number[] = [];
    for (let i = 1; i <= 100; i++) {
      const r = await t.call('POST', `/api/v1/domains/${zone.body.id}/records`, { body: { name: `h${i}`, type: 'A', value: `10.99.0.${i}` } });
      expect(r.status, r.text).toBe(201);
      serials.push(r.body.serial);
    }
    expect(serials[0]).toBe(2026031001);
    expect(serials[98]).toBe(2026031099);
    // The 100th change of the day keeps counting: strictly more than 99, though it reads like tomorrow's first.
    expect(serials[99]).toBe(2026031100);
    expect(new Set(serials).size).toBe(100);

    const changed = await t.call('GET', `/api/v1/domains/${zone.body.id}/zone`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.text).toContain(' 2026031100 3600 900 1209600 300');
    expect((await checkZone('serial.example', changed.text)).ok).toBe(true);
    const newEtag = changed.headers.get('etag')!;
    expect(newEtag).not.toBe(etag);
    const unchanged = await t.call('GET', `/api/v1/domains/${zone.body.id}/zone`, { headers: { 'if-none-match': `"other", ${newEtag}` } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');

    // Next day it continues from there …
    t.clock.now = new Date('2026-03-11T02:00:00Z');
    const next = await t.call('POST', `/api/v1/domains/${zone.body.id}/records`, { body: { name: 'next', type: 'A', value: '10.99.1.1' } });
    expect(next.body.serial).toBe(2026031101);
    // … and the day after, which begins at 16:00 UTC in Shanghai, starts afresh.
    t.clock.now = new Date('2026-03-11T16:30:00Z');
    const after = await t.call('POST', `/api/v1/domains/${zone.body.id}/records`, { body: { name: 'after', type: 'A', value: '10.99.1.2' } });
    expect(after.body.serial).toBe(2026031200);

    // Concurrent changes of one zone queue on its row: each gets its own serial, none is lost.
    const together = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.call('POST', `/api/v1/domains/${zone.body.id}/records`, { body: { name: `c${i}`, type: 'A', value: `10.99.2.${i + 1}` } })),
    );
    expect(together.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(together.map((r) => r.body.serial).sort()).toEqual(Array.from({ length: 8 }, (_, i) => 2026031201 + i));
    expect((await t.call('GET', `/api/v1/domains/${zone.body.id}`)).body.serial).toBe(2026031208);
  });

  it('never lowers the serial of a name: a zone reclaimed and registered again the same day continues from its last serial (issue 13 item 14)', async () => {
    t.clock.now = new Date('2026-04-01T02:00:00Z');
    const register = () => t.call('POST', '/api/v1/domains', { body: { name: 'again.example', holder: '450000', nameservers: [{ name: 'ns.example.net' }] } });
    const root = await register();
    expect(root.status, root.text).toBe(201);
    const delegate = (parent: string) => t.call('POST', `/api/v1/domains/${parent}/delegate`, { body: { label: 'nanning', holder: '450100', nameservers: [{ name: 'ns.example.net' }] } });
    const child = await delegate(root.body.id);
    expect(child.status, child.text).toBe(201);
    expect(child.body.serial).toBe(2026040100);
    for (const ttl of [600, 900, 1200]) expect((await t.call('PATCH', `/api/v1/domains/${child.body.id}`, { body: { ttl } })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/domains/${child.body.id}`)).body.serial).toBe(2026040103);
    expect((await t.call('DELETE', `/api/v1/domains/${child.body.id}`)).status).toBe(204);
    const again = await delegate(root.body.id);
    expect(again.status, again.text).toBe(201);
    expect(again.body.serial).toBe(2026040104);

    // A root zone as well.
    expect((await t.call('DELETE', `/api/v1/domains/${again.body.id}`)).status).toBe(204);
    const rootSerial = (await t.call('GET', `/api/v1/domains/${root.body.id}`)).body.serial;
    expect(rootSerial).toBeGreaterThan(2026040100);
    expect((await t.call('DELETE', `/api/v1/domains/${root.body.id}`)).status).toBe(204);
    const reroot = await register();
    expect(reroot.status, reroot.text).toBe(201);
    expect(reroot.body.serial).toBe(rootSerial + 1);
    // The next day starts afresh, which is higher.
    t.clock.now = new Date('2026-04-02T02:00:00Z');
    const fresh = await delegate(reroot.body.id);
    expect(fresh.status, fresh.text).toBe(201);
    expect(fresh.body.serial).toBe(2026040200);
  });
});
