import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestApp, type TestApp } from '../support/harness.js';

/**
 * The delegation walk of article 21 with real codes: region 450000 → Nanning 450100 →
 * Xingning 450102 → township 450102001 (managed by Xingning's operator) → a department.
 */
describe.each(backends)('delegation walk on %s', (backend) => {
  let t: TestApp;
  let cityOp: string;
  let countyOp: string;
  beforeAll(async () => {
    t = await startTestApp(backend);
    cityOp = await t.userToken('operator', '450100');
    countyOp = await t.userToken('operator', '450102');
    const dept = await t.call('POST', '/api/v1/units', { token: countyOp, body: { code: 'XN-TOWN-GOV', name: '兴宁区民生街道办事处', parent: '450102001', kind: 'department' } });
    expect(dept.status).toBe(201);
    const cityDept = await t.call('POST', '/api/v1/units', { token: cityOp, body: { code: 'NN-DATA', name: '南宁市大数据发展局', parent: '450100', kind: 'department' } });
    expect(cityDept.status).toBe(201);
  });
  afterAll(async () => t?.close());

  for (const family of [4, 6] as const) {
    it(`walks IPv${family} space down the tree`, async () => {
      const pool = family === 4 ? '10.0.0.0/8' : '2001:db8::/32';
      const root = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: pool, holder: '450000', description: '全区地址池' } });
      expect(root.status).toBe(201);
      expect(root.body).toMatchObject({ cidr: pool, status: 'pool', family, holder: { code: '450000', name: '广西壮族自治区' }, parentId: null });

      const [cityLen, countyLen, townLen, deptLen] = family === 4 ? [16, 20, 24, 26] : [40, 48, 56, 64];
      const city = await t.call('POST', `/api/v1/prefixes/${root.body.id}/allocate`, { body: { prefixLength: cityLen, holder: '450100', status: 'allocated', description: '南宁市' } });
      expect(city.status).toBe(201);
      expect(city.body.cidr).toBe(family === 4 ? '10.0.0.0/16' : '2001:db8::/40');

      // The city operator allocates to its county; it may not skip to the township.
      const skip = await t.call('POST', `/api/v1/prefixes/${city.body.id}/allocate`, { token: cityOp, body: { prefixLength: townLen, holder: '450102001', status: 'allocated' } });
      expect(skip.status).toBe(422);
      expect(skip.body.code).toBe('delegation_rule');
      const county = await t.call('POST', `/api/v1/prefixes/${city.body.id}/allocate`, { token: cityOp, body: { prefixLength: countyLen, holder: '450102', status: 'allocated' } });
      expect(county.status).toBe(201);

      // The county operator manages the township's space (article 21) and assigns to its department.
      const town = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { token: countyOp, body: { prefixLength: townLen, holder: '450102001', status: 'allocated' } });
      expect(town.status).toBe(201);
      const dept = await t.call('POST', `/api/v1/prefixes/${town.body.id}/allocate`, { token: countyOp, body: { prefixLength: deptLen, holder: 'XN-TOWN-GOV', status: 'assigned' } });
      expect(dept.status).toBe(201);
      expect(dept.body).toMatchObject({ status: 'assigned', holder: { code: 'XN-TOWN-GOV' } });

      const gw = await t.call('POST', `/api/v1/prefixes/${dept.body.id}/addresses`, { token: countyOp, body: { gateway: true, hostname: 'gw' } });
      expect(gw.status).toBe(201);
      const host = await t.call('POST', `/api/v1/prefixes/${dept.body.id}/addresses`, { token: countyOp, body: { hostname: 'oa.town' } });
      expect(host.status).toBe(201);
      if (family === 4) {
        expect(gw.body.address).toBe('10.0.0.1');
        expect(host.body.address).toBe('10.0.0.2');
      } else {
        expect(gw.body.address).toBe('2001:db8::1');
        expect(host.body.address).toBe('2001:db8::2');
      }

      // Utilization lives on each parent, exact, as decimal strings.
      const townAfter = await t.call('GET', `/api/v1/prefixes/${town.body.id}`);
      const deptSize = family === 4 ? 64n : 1n << 64n;
      const townSize = family === 4 ? 256n : 1n << 72n;
      expect(townAfter.body.utilization).toEqual({
        usedAddresses: deptSize.toString(),
        totalAddresses: townSize.toString(),
        percent: family === 4 ? 25 : 0.39,
      });
      const deptAfter = await t.call('GET', `/api/v1/prefixes/${dept.body.id}`);
      expect(deptAfter.body.utilization.usedAddresses).toBe('2');
      const rootAfter = await t.call('GET', `/api/v1/prefixes/${root.body.id}`);
      expect(rootAfter.body.childCount).toBe(1);

      // Queries: contains an address, holder subtree, children.
      const containing = await t.call('GET', `/api/v1/prefixes?contains=${host.body.address}&vrf=public`);
      expect(containing.body.items.map((p: { cidr: string }) => p.cidr)).toEqual(
        family === 4 ? ['10.0.0.0/8', '10.0.0.0/16', '10.0.0.0/20', '10.0.0.0/24', '10.0.0.0/26'] : ['2001:db8::/32', '2001:db8::/40', '2001:db8::/48', '2001:db8::/56', '2001:db8::/64'],
      );
      const underCity = await t.call('GET', `/api/v1/prefixes?holderWithin=450100&family=${family}`);
      expect(underCity.body.items.map((p: { holder: { code: string } }) => p.holder.code).sort()).toEqual(['450100', '450102', '450102001', 'XN-TOWN-GOV']);
      const children = await t.call('GET', `/api/v1/prefixes/${county.body.id}/children`);
      expect(children.body.items).toHaveLength(1);
      const addrs = await t.call('GET', `/api/v1/addresses?vrf=public&address=${host.body.address}`);
      expect(addrs.body.items[0]).toMatchObject({ hostname: 'oa.town', holder: 'XN-TOWN-GOV' });

      // Another county's operator cannot reach into Xingning's space.
      const otherCounty = await t.userToken('operator', '450103');
      const sideways = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { token: otherCounty, body: { prefixLength: townLen, holder: '450102001', status: 'allocated' } });
      expect(sideways.status).toBe(403);

      // Reclaim refuses while something is inside, then returns the space merged.
      const busy = await t.call('DELETE', `/api/v1/prefixes/${dept.body.id}`, { token: countyOp });
      expect(busy.status).toBe(409);
      expect(busy.body.code).toBe('in_use');
      expect((await t.call('DELETE', `/api/v1/addresses/${gw.body.id}`, { token: countyOp })).status).toBe(204);
      expect((await t.call('DELETE', `/api/v1/addresses/${host.body.id}`, { token: countyOp })).status).toBe(204);
      expect((await t.call('DELETE', `/api/v1/prefixes/${dept.body.id}`, { token: countyOp })).status).toBe(204);
      const free = await t.call('GET', `/api/v1/prefixes/${town.body.id}/available`);
      expect(free.body.items).toEqual([{ cidr: town.body.cidr, addresses: townSize.toString() }]);
      const townEmpty = await t.call('GET', `/api/v1/prefixes/${town.body.id}`);
      expect(townEmpty.body.utilization.usedAddresses).toBe('0');
    });
  }
});
