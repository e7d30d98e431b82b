import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

/** Website filings (网站备案, article 19), checked against IPAM and DNS at every read. */
describe.each(backends)('website filing register on %s', (backend) => {
  let t: TestApp;
  let cityOp: string;
  let countyOp: string;
  let zoneId: string;
  let prefixId: string;
  const dept = `NN-EDU-F-${backend.toUpperCase()}`;
  const countyDept = `XN-GOV-F-${backend.toUpperCase()}`;
  const ok = async (method: string, path: string, body?: unknown) => {
    const reply = await t.call(method, path, { body });
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
    return reply.body;
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = new Date('2026-12-01T02:00:00Z');
    cityOp = await t.userToken('operator', '450100');
    countyOp = await t.userToken('operator', '450102');
    await ok('POST', '/api/v1/units', { code: dept, name: '南宁市教育局', parent: '450100', kind: 'department' });
    await ok('POST', '/api/v1/units', { code: countyDept, name: '兴宁区政府', parent: '450102', kind: 'department' });
    const pool = await ok('POST', '/api/v1/prefixes', { vrf: 'public', cidr: '10.45.0.0/16', holder: '450000' });
    await ok('POST', `/api/v1/prefixes/${pool.id}/allocate`, { prefixLength: 20, holder: '450100', status: 'allocated' });
    prefixId = (await ok('POST', '/api/v1/prefixes', { vrf: 'public', cidr: '10.45.1.0/24', holder: dept, status: 'assigned' })).id;
    await ok('POST', `/api/v1/prefixes/${prefixId}/addresses`, { address: '10.45.1.80', hostname: 'www-edu' });
    const zone = await ok('POST', '/api/v1/domains', {
      name: 'nanning.gx.example',
      holder: '450100',
      nameservers: [{ name: 'ns1.nanning.gx.example', addresses: ['10.45.0.53'] }],
      soa: { rname: 'hostmaster@nanning.gx.example' },
    });
    zoneId = zone.id;
  });
  afterAll(async () => t?.close());

  const body = (over: Record<string, unknown> = {}) => ({
    siteName: '南宁市教育局门户',
    domain: 'WWW.edu.nanning.gx.example.',
    addresses: ['10.45.1.80', '10.45.1.81'],
    responsible: dept,
    responsibleName: '李明',
    responsiblePhone: '0771-5551234',
    assistingUnit: '450100',
    assistance: '协助核对域名和地址',
    ...over,
  });

  it('flags what the registry does not hold, and clears each flag as the registry catches up', async () => {
    const before = await countRows(t, 'audit_entries');
    for (const [bad, status, field] of [
      [{ addresses: ['10.45.1.300'] }, 400, 'addresses.0'],
      [{ addresses: ['10.45.1.80', '10.45.1.80'] }, 400, 'addresses.1'],
      [{ domain: 'www..example' }, 400, 'domain'],
      [{ responsible: '450100' }, 422, 'responsible'],
      [{ assistingUnit: '450200' }, 422, 'assistingUnit'],
      [{ filedOn: '2026-11-20' }, 400, 'filedOn'],
    ] as const) {
      const reply = await t.call('POST', '/api/v1/website-filings', { body: body(bad), token: cityOp });
      expect(reply.status, reply.text).toBe(status);
      expect(reply.headers.get('content-type')).toMatch(/problem\+json/);
      expect(reply.body.field).toBe(field);
    }
    expect(await countRows(t, 'audit_entries')).toBe(before);

    const created = await t.call('POST', '/api/v1/website-filings', { body: body(), token: cityOp });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ domain: 'www.edu.nanning.gx.example', zone: 'nanning.gx.example', addresses: ['10.45.1.80', '10.45.1.81'], filingNumber: '', filedOn: null, flagged: true, assistingUnit: '450100' });
    const codes = (v: { flags: { code: string; message: string }[] }) => v.flags.map((x) => x.code);
    expect(codes(created.body)).toEqual(['not_filed', 'domain_not_in_dns', 'address_not_registered']);
    expect(created.body.flags[2].message).toContain('10.45.1.81');
    const id = created.body.id;

    // DNS gets one of the two addresses: the name is in DNS, the other address is not.
    const record = await t.call('POST', `/api/v1/domains/${zoneId}/records`, { body: { name: 'www.edu', type: 'A', value: '10.45.1.80' } });
    expect(record.status, record.text).toBe(201);
    let now = (await t.call('GET', `/api/v1/website-filings/${id}`)).body;
    expect(codes(now)).toEqual(['not_filed', 'address_not_registered', 'address_not_in_dns']);

    await ok('POST', `/api/v1/prefixes/${prefixId}/addresses`, { address: '10.45.1.81', hostname: 'www-edu-2' });
    await ok('POST', `/api/v1/domains/${zoneId}/records`, { name: 'www.edu', type: 'A', value: '10.45.1.81' });
    now = (await t.call('GET', `/api/v1/website-filings/${id}`)).body;
    expect(codes(now)).toEqual(['not_filed']);
    let flagged = await t.call('GET', '/api/v1/website-filings?flagged=true');
    expect(flagged.body.items.map((x: { id: string }) => x.id)).toEqual([id]);

    const filed = await t.call('PATCH', `/api/v1/website-filings/${id}`, { body: { filingNumber: '桂政网备 2026-0001' }, token: cityOp });
    expect(filed.status, filed.text).toBe(200);
    expect(filed.body).toMatchObject({ flags: [], flagged: false, filedOn: '2026-12-01', filingNumber: '桂政网备 2026-0001' });
    flagged = await t.call('GET', '/api/v1/website-filings?flagged=true');
    expect(flagged.body.items).toEqual([]);
    const clean = await t.call('GET', '/api/v1/website-filings?flagged=false');
    expect(clean.body.items.map((x: { id: string }) => x.id)).toEqual([id]);

    // A domain outside every registered zone.
    const stray = await t.call('POST', '/api/v1/website-filings', { body: body({ domain: 'www.xn.example', addresses: ['10.45.1.80'], responsible: countyDept, assistingUnit: '450102', filingNumber: '桂政网备 2026-0002', filedOn: '2026-11-02' }), token: countyOp });
    expect(stray.status, stray.text).toBe(201);
    expect(codes(stray.body)).toEqual(['domain_not_registered']);
    const dup = await t.call('POST', '/api/v1/website-filings', { body: body(), token: cityOp });
    expect(dup.status).toBe(409);

    // Scope: the county operator sees its own county's site only, and cannot change the city's.
    const countyList = await t.call('GET', '/api/v1/website-filings', { token: countyOp });
    expect(countyList.body.items.map((x: { responsible: string }) => x.responsible)).toEqual([countyDept]);
    expect((await t.call('GET', `/api/v1/website-filings/${id}`, { token: countyOp })).status).toBe(404);
    expect((await t.call('PATCH', `/api/v1/website-filings/${id}`, { body: { assistance: 'x' }, token: countyOp })).status).toBe(403);
  });
});
