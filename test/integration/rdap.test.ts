import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { buildChain, buildReverseTree } from './dns-fixtures.js';

describe.each(backends)('RDAP on %s', (backend) => {
  let t: TestApp;
  let chain: Awaited<ReturnType<typeof buildChain>>;
  let tree: Awaited<ReturnType<typeof buildReverseTree>>;
  const p: Record<string, { id: string; cidr: string }> = {};
  const suffix = 'gx.example';
  // No token: RDAP is public on the extranet.
  const rdap = (path: string, headers?: Record<string, string>) => t.call('GET', path, { token: null, headers });

  beforeAll(async () => {
    t = await startTestApp(backend);
    chain = await buildChain(t, suffix);
    tree = await buildReverseTree(t, chain, suffix);
    const create = async (key: string, body: object, token?: string) => {
      const reply = await t.call('POST', '/api/v1/prefixes', { body, token });
      expect(reply.status, reply.text).toBe(201);
      p[key] = reply.body;
    };
    await create('region', { vrf: 'public', cidr: '10.50.0.0/16', holder: '450000', description: '自治区外网公用地址池' });
    await create('city', { vrf: 'public', cidr: '10.50.0.0/20', holder: '450100', status: 'allocated' });
    await create('county', { vrf: 'public', cidr: '10.50.0.0/22', holder: '450102', status: 'allocated' }, chain.cityOp);
    await create('township', { vrf: 'public', cidr: '10.50.1.0/24', holder: '450102002', status: 'allocated' }, chain.countyOp);
    const vrf = await t.call('POST', '/api/v1/vrfs', { body: { name: 'vpn-gaj', zone: 'dedicated', description: '公安专网' } });
    expect(vrf.status, vrf.text).toBe(201);
    await create('vpn', { vrf: 'vpn-gaj', cidr: '10.50.0.0/16', holder: '450000' });
    const channels = await t.call('PATCH', '/api/v1/units/450102', { body: { channels: { hotline: '0771-5600000', email: 'noc@xingning.gx.example' } } });
    expect(channels.status, channels.text).toBe(200);
  });
  afterAll(async () => t?.close());

  it('answers an address in a township prefix field by field, with the parentHandle chain up to the root', async () => {
    const reply = await rdap('/rdap/ip/10.50.1.77');
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('content-type')).toContain('application/rdap+json');
    const net = reply.body;
    expect(net.rdapConformance).toEqual(expect.arrayContaining(['rdap_level_0', 'cidr0']));
    expect(net).toMatchObject({
      objectClassName: 'ip network',
      handle: p.township.id,
      startAddress: '10.50.1.0',
      endAddress: '10.50.1.255',
      ipVersion: 'v4',
      name: 'PUBLIC-10-50-1-0-24',
      type: 'allocated',
      parentHandle: p.county.id,
      cidr0_cidrs: [{ v4prefix: '10.50.1.0', length: 24 }],
      status: ['active'],
    });
    expect(net.events.map((e: { eventAction: string }) => e.eventAction)).toEqual(['registration', 'last changed']);
    expect(Date.parse(net.events[0].eventDate)).not.toBeNaN();
    // The township holds it; its county's O&M unit answers for it (article 21).
    const registrant = net.entities.find((e: { roles: string[] }) => e.roles.includes('registrant'));
    const admin = net.entities.find((e: { roles: string[] }) => e.roles.includes('administrative'));
    expect(registrant).toMatchObject({ objectClassName: 'entity', handle: '450102002', roles: ['registrant'] });
    expect(registrant.vcardArray[1]).toContainEqual(['fn', {}, 'text', '朝阳街道']);
    expect(admin).toMatchObject({ handle: '450102', roles: ['administrative'] });
    expect(admin.vcardArray[1]).toContainEqual(['tel', { type: ['work', 'voice'] }, 'uri', 'tel:0771-5600000']);
    expect(admin.vcardArray[1]).toContainEqual(['email', { type: 'work' }, 'text', 'noc@xingning.gx.example']);
    expect(net.links).toContainEqual({ value: 'http://localhost/rdap/ip/10.50.1.0/24', rel: 'self', href: 'http://localhost/rdap/ip/10.50.1.0/24', type: 'application/rdap+json' });

    // Walk up: each "up" link answers the parent, whose handle is the child's parentHandle.
    const chainOf: string[] = [net.handle];
    let current = net;
    while (current.parentHandle) {
      const up = current.links.find((l: { rel: string }) => l.rel === 'up');
      const parent = await rdap(new URL(up.href).pathname);
      expect(parent.status).toBe(200);
      expect(parent.body.handle).toBe(current.parentHandle);
      chainOf.push(parent.body.handle);
      current = parent.body;
    }
    expect(chainOf).toEqual([p.township.id, p.county.id, p.city.id, p.region.id]);
    expect(current).toMatchObject({ type: 'pool', startAddress: '10.50.0.0', endAddress: '10.50.255.255' });
    expect(current.links.some((l: { rel: string }) => l.rel === 'up')).toBe(false);
    expect(current.remarks).toContainEqual({ title: 'description', description: ['自治区外网公用地址池'] });
    expect(current.entities).toMatchObject([{ handle: '450000', roles: ['registrant', 'administrative'] }]);
  });

  it('answers CIDR queries, IPv6, and a dedicated VRF by ?vrf=', async () => {
    const exact = await rdap('/rdap/ip/10.50.0.0/22');
    expect(exact.body.handle).toBe(p.county.id);
    const wider = await rdap('/rdap/ip/10.50.0.0/21');
    expect(wider.body.handle).toBe(p.city.id);
    const v6 = await rdap('/rdap/ip/2001:db8:45:100::10');
    expect(v6.status, v6.text).toBe(200);
    expect(v6.body).toMatchObject({ handle: tree.dept64.id, ipVersion: 'v6', startAddress: '2001:db8:45:100::', endAddress: '2001:db8:45:100:ffff:ffff:ffff:ffff', type: 'assigned' });
    expect(v6.body.cidr0_cidrs).toEqual([{ v6prefix: '2001:db8:45:100::', length: 64 }]);
    expect(v6.body.entities.map((e: { handle: string }) => e.handle)).toEqual(['REV-NN-A', '450100']);
    const vpn = await rdap('/rdap/ip/10.50.1.77?vrf=vpn-gaj');
    expect(vpn.body).toMatchObject({ handle: p.vpn.id, name: 'VPN-GAJ-10-50-0-0-16' });
    expect(vpn.body.links[0].href).toBe('http://localhost/rdap/ip/10.50.0.0/16?vrf=vpn-gaj');
  });

  it('answers domains, forward (A- or U-labels) and reverse, and entities', async () => {
    const city = await rdap(`/rdap/domain/nanning.${suffix}`);
    expect(city.status, city.text).toBe(200);
    expect(city.body).toMatchObject({ objectClassName: 'domain', ldhName: `nanning.${suffix}`, status: ['active'] });
    expect(city.body.nameservers).toContainEqual({ objectClassName: 'nameserver', ldhName: `ns1.nanning.${suffix}`, ipAddresses: { v4: ['10.45.1.53'], v6: [] } });
    expect(city.body.entities).toMatchObject([{ handle: '450100', roles: ['registrant', 'administrative'] }]);
    expect(city.body.links.find((l: { rel: string }) => l.rel === 'up').href).toBe(`http://localhost/rdap/domain/${suffix}`);

    const idn = await t.call('POST', `/api/v1/domains/${chain.city.id}/delegate`, {
      token: chain.cityOp,
      body: { label: '青秀', holder: '450103', nameservers: [{ name: `ns1.nanning.${suffix}` }] },
    });
    expect(idn.status, idn.text).toBe(201);
    const unicode = await rdap(`/rdap/domain/${encodeURIComponent(`青秀.nanning.${suffix}`)}`);
    expect(unicode.status, unicode.text).toBe(200);
    expect(unicode.body).toMatchObject({ ldhName: `xn--4lzo91d.nanning.${suffix}`, unicodeName: `青秀.nanning.${suffix}` });
    expect((await rdap(`/rdap/domain/xn--4lzo91d.nanning.${suffix}`)).body.handle).toBe(unicode.body.handle);

    const reverse = await rdap('/rdap/domain/1.45.10.in-addr.arpa');
    expect(reverse.status, reverse.text).toBe(200);
    expect(reverse.body).toMatchObject({ objectClassName: 'domain', ldhName: '1.45.10.in-addr.arpa' });
    expect(reverse.body.network).toMatchObject({ objectClassName: 'ip network', handle: tree.nanning24.id, startAddress: '10.45.1.0' });
    expect(reverse.body.nameservers.map((n: { ldhName: string }) => n.ldhName)).toEqual([`ns1.nanning.${suffix}`, `ns2.${suffix}`]);

    const entity = await rdap('/rdap/entity/450102');
    expect(entity.status).toBe(200);
    expect(entity.body).toMatchObject({ objectClassName: 'entity', handle: '450102', rdapConformance: ['rdap_level_0', 'cidr0'] });
    expect(entity.body.vcardArray[1]).toContainEqual(['fn', {}, 'text', '兴宁区']);

    const help = await rdap('/rdap/help');
    expect(help.status).toBe(200);
    expect(help.body.notices[0].description.join(' ')).toContain('/rdap/ip/');
  });

  it('publishes no users, tokens or personal phone numbers', async () => {
    const op = await t.call('POST', '/api/v1/users', { body: { username: 'rdap-secret-operator', displayName: '张三 13800000000', unit: '450102', role: 'operator' } });
    expect(op.status).toBe(201);
    const texts = await Promise.all(['/rdap/ip/10.50.1.77', '/rdap/entity/450102', `/rdap/domain/xingning.nanning.${suffix}`].map(async (path) => (await rdap(path)).text));
    for (const text of texts) {
      expect(text).not.toContain('rdap-secret-operator');
      expect(text).not.toContain('13800000000');
      expect(text).not.toMatch(/token|password|secret/i);
    }
  });

  it('answers malformed queries with 400 and unknown ones with 404, as RDAP error objects', async () => {
    const cases: [string, number][] = [
      ['/rdap/ip/10.0.0.0/33', 400],
      ['/rdap/ip/10.50.1.5/24', 400],
      ['/rdap/ip/10.50.1.300', 400],
      ['/rdap/ip/2001:db8::/129', 400],
      ['/rdap/ip/192.0.2.1', 404],
      ['/rdap/ip/10.50.1.1?vrf=no-such-vrf', 404],
      ['/rdap/domain/bad_name.gx.example', 400],
      [`/rdap/domain/nobody.${suffix}`, 404],
      ['/rdap/domain/5.45.10.in-addr.arpa', 404],
      ['/rdap/domain/300.10.in-addr.arpa', 400],
      ['/rdap/entity/NO-SUCH-UNIT', 404],
      ['/rdap/autnum/64512', 404],
    ];
    for (const [path, status] of cases) {
      const reply = await rdap(path);
      expect(reply.status, `${path}: ${reply.text}`).toBe(status);
      expect(reply.headers.get('content-type')).toContain('application/rdap+json');
      expect(reply.body).toMatchObject({ errorCode: status, rdapConformance: ['rdap_level_0', 'cidr0'] });
      expect(reply.body.description[0].length).toBeGreaterThan(10);
    }
    expect((await rdap('/rdap/ip/10.0.0.0/33')).body.description[0]).toContain('0 to 32');
    expect((await rdap('/rdap/ip/10.50.1.5/24')).body.description[0]).toContain('10.50.1.0/24');
  });

  it('is open to any origin for GET (CORS)', async () => {
    const simple = await rdap('/rdap/ip/10.50.1.77', { origin: 'https://portal.gx.example' });
    expect(simple.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await t.call('OPTIONS', '/rdap/ip/10.50.1.77', { token: null, headers: { origin: 'https://portal.gx.example', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
    const openapi = await t.call('GET', '/openapi.json', { token: null });
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/rdap/ip/{address}', '/rdap/ip/{address}/{length}', '/rdap/domain/{name}', '/rdap/entity/{code}', '/rdap/help']));
  });
});
