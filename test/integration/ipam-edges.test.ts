import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { blockContaining, formatAddress, readStoredAddress, readStoredCidr } from '../../server/net/cidr.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';

/**
 * The edges of the address space: the very last addresses (where `address + 1` leaves the
 * space) and the IPv6 blocks PostgreSQL prints with a dotted IPv4 tail (`::ffff:10.0.0.0/104`,
 * `::128.0.0.0/97`), which the registry reads back from its own rows.
 */
describe.each(backends)('IPAM at the edges of the address space on %s', (backend) => {
  let t: TestApp;
  const dept = 'EDGE-DEPT';
  const cidrs = (items: { cidr: string }[]) => items.map((i) => i.cidr);
  const created = async (method: string, path: string, body: object) => {
    const reply = await t.call(method, path, { body });
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(201);
    return reply.body;
  };
  const ok = async (path: string) => {
    const reply = await t.call('GET', path);
    expect(reply.status, `GET ${path}: ${reply.text}`).toBe(200);
    return reply.body;
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    await created('POST', '/api/v1/units', { code: dept, name: '区边界测试办公室', parent: '450000', kind: 'department' });
    await created('POST', '/api/v1/vrfs', { name: 'edge', zone: 'dedicated' });
    for (const vrf of ['internet', 'edge']) {
      for (const cidr of ['255.255.255.240/28', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124']) await created('POST', '/api/v1/prefixes', { vrf, cidr, holder: '450000' });
    }
  });
  afterAll(async () => t?.close());

  describe('the last addresses of the space', () => {
    it.each([
      ['internet', '255.255.255.254/31', ['255.255.255.254', '255.255.255.255']],
      ['edge', '255.255.255.255/32', ['255.255.255.255']],
      ['internet', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127', ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
      ['edge', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
    ])('fills %s %s with next-free addresses, then answers 409 pool_exhausted', async (vrf, cidr, hosts) => {
      const block = await created('POST', '/api/v1/prefixes', { vrf, cidr, holder: dept, status: 'assigned' });
      expect(block.cidr).toBe(cidr);
      for (const host of hosts) {
        expect((await created('POST', `/api/v1/prefixes/${block.id}/addresses`, { hostname: 'edge' })).address).toBe(host);
      }
      const full = await t.call('POST', `/api/v1/prefixes/${block.id}/addresses`, { body: { hostname: 'edge' } });
      expect(full.status, full.text).toBe(409);
      expect(full.body.code).toBe('pool_exhausted');
      expect((await ok(`/api/v1/addresses?prefix=${block.id}`)).items.map((a: { address: string }) => a.address)).toEqual(hosts);
    });

    it('allocates the last blocks of 255.255.255.0/24 and of ffff:…:ff00/120, then answers 409 pool_exhausted', async () => {
      for (const [pool, length, blocks] of [
        ['255.255.255.0/24', 26, ['255.255.255.192/26', '255.255.255.128/26', '255.255.255.64/26', '255.255.255.0/26']],
        ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120', 122, ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffc0/122', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff80/122', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff40/122', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/122']],
      ] as const) {
        const root = await created('POST', '/api/v1/prefixes', { vrf: 'public', cidr: pool, holder: '450000' });
        const available = await ok(`/api/v1/prefixes/${root.id}/available?prefixLength=${length}`);
        expect(cidrs(available.items)).toEqual([...blocks].reverse());
        const got: string[] = [];
        for (let i = 0; i < 4; i++) {
          got.push((await created('POST', `/api/v1/prefixes/${root.id}/allocate`, { prefixLength: length, holder: '450100', status: 'allocated', strategy: 'last' })).cidr);
        }
        expect(got).toEqual(blocks);
        const full = await t.call('POST', `/api/v1/prefixes/${root.id}/allocate`, { body: { prefixLength: length, holder: '450100', status: 'allocated' } });
        expect(full.status, full.text).toBe(409);
        expect(full.body.code).toBe('pool_exhausted');
        expect((await ok(`/api/v1/prefixes/${root.id}/available`)).items).toEqual([]);

        // The last block back, merged with nothing, and taken again.
        const last = (await ok(`/api/v1/prefixes?cidr=${encodeURIComponent(blocks[0])}&vrf=public`)).items[0];
        expect((await t.call('DELETE', `/api/v1/prefixes/${last.id}`)).status).toBe(204);
        expect(cidrs((await ok(`/api/v1/prefixes/${root.id}/available`)).items)).toEqual([blocks[0]]);
        expect((await created('POST', `/api/v1/prefixes/${root.id}/allocate`, { prefixLength: length, holder: '450100', status: 'allocated' })).cidr).toBe(blocks[0]);
      }
    });
  });

  describe('IPv6 blocks PostgreSQL prints with a dotted IPv4 tail', () => {
    it('reads back every form this PostgreSQL prints, cidr and inet alike', async () => {
      // Values near ::/96 and ::ffff:0:0/96 as often as elsewhere: there PostgreSQL's text differs from ours.
      const low32 = fc.bigInt({ min: 0n, max: 0xffffffffn });
      const value = fc.oneof(low32, low32.map((v) => 0xffff00000000n | v), low32.map((v) => (1n << 32n) | v), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }));
      const samples = fc.sample(fc.tuple(value, fc.oneof(fc.integer({ min: 0, max: 128 }), fc.integer({ min: 96, max: 128 }))), { numRuns: 400, seed: 13 });
      const cases = samples.map(([v, length]) => ({ cidr: blockContaining(6, v, length), host: v }));
      const printed = await rows<{ cidr: string; host: string; inet: string }>(
        t.database.db,
        sql`SELECT c::cidr::text AS cidr, host(h::inet) AS host, h::inet::text AS inet FROM (VALUES ${sql.join(
          cases.map((c, i) => sql`(${i}::int, ${c.cidr.text}, ${formatAddress(6, c.host)})`),
          sql`, `,
        )}) AS v(i, c, h) ORDER BY i`,
      );
      expect(printed.filter((p) => p.cidr.includes('.')).length).toBeGreaterThan(50);
      printed.forEach((p, i) => {
        expect(readStoredCidr(p.cidr), p.cidr).toEqual(cases[i].cidr);
        expect(readStoredAddress(p.host).value, p.host).toBe(cases[i].host);
        expect(readStoredAddress(p.inet).value, p.inet).toBe(cases[i].host);
      });
    });

    it('allocates, lists and offers the free space of ::/96', async () => {
      const root = await created('POST', '/api/v1/prefixes', { vrf: 'public', cidr: '::/96', holder: '450000', description: 'IPv4-compatible' });
      expect(root.cidr).toBe('::/96');
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push((await created('POST', `/api/v1/prefixes/${root.id}/allocate`, { prefixLength: 98, holder: '450100', status: 'allocated' })).cidr);
      // ::4000:0/98 is ::64.0.0.0/98 to PostgreSQL, and ::8000:0/98 is ::128.0.0.0/98.
      expect(got).toEqual(['::/98', '::4000:0/98', '::8000:0/98']);
      const many = await created('POST', `/api/v1/prefixes/${root.id}/allocate`, { prefixLength: 104, holder: '450100', status: 'allocated', count: 2, strategy: 'last' });
      expect(cidrs(many.items)).toEqual(['::ff00:0/104', '::fe00:0/104']);
      const children = ['::/98', '::4000:0/98', '::8000:0/98', '::fe00:0/104', '::ff00:0/104'];
      expect(cidrs((await ok(`/api/v1/prefixes/${root.id}/children`)).items)).toEqual(children);
      expect(cidrs((await ok(`/api/v1/prefixes?within=${encodeURIComponent('::/96')}&vrf=public`)).items)).toEqual(['::/96', ...children]);
      const free = cidrs((await ok(`/api/v1/prefixes/${root.id}/available`)).items);
      expect(free).toEqual(['::c000:0/99', '::e000:0/100', '::f000:0/101', '::f800:0/102', '::fc00:0/103']);
      expect(cidrs((await ok(`/api/v1/prefixes/${root.id}/available?prefixLength=104&limit=3`)).items)).toEqual(['::c000:0/104', '::c100:0/104', '::c200:0/104']);

      // A reclaimed block merges back with its dotted buddies.
      const middle = (await ok(`/api/v1/prefixes?cidr=${encodeURIComponent('::4000:0/98')}&vrf=public`)).items[0];
      expect(middle.cidr).toBe('::4000:0/98');
      expect((await t.call('DELETE', `/api/v1/prefixes/${middle.id}`)).status).toBe(204);
      expect(cidrs((await ok(`/api/v1/prefixes/${root.id}/available?limit=1`)).items)).toEqual(['::4000:0/98']);
    });

    it('allocates, lists, offers free space and registers addresses in ::ffff:0:0/96', async () => {
      const root = await created('POST', '/api/v1/prefixes', { vrf: 'public', cidr: '::ffff:0:0/96', holder: '450000', description: 'IPv4-mapped' });
      expect(root.cidr).toBe('::ffff:0:0/96');
      expect((await ok(`/api/v1/prefixes/${root.id}`)).cidr).toBe('::ffff:0:0/96');
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push((await created('POST', `/api/v1/prefixes/${root.id}/allocate`, { prefixLength: 104, holder: '450100', status: 'allocated' })).cidr);
      expect(got).toEqual(['::ffff:0:0/104', '::ffff:100:0/104', '::ffff:200:0/104']);
      expect((await created('POST', `/api/v1/prefixes/${root.id}/allocate`, { prefixLength: 104, holder: '450100', status: 'allocated', strategy: 'best' })).cidr).toBe('::ffff:300:0/104');
      expect((await created('POST', '/api/v1/prefixes', { vrf: 'public', cidr: '::ffff:a00:0/104', holder: '450100', status: 'allocated' })).cidr).toBe('::ffff:a00:0/104');
      const free = cidrs((await ok(`/api/v1/prefixes/${root.id}/available`)).items);
      expect(free.slice(0, 3)).toEqual(['::ffff:400:0/102', '::ffff:800:0/103', '::ffff:b00:0/104']);
      const listed = await ok(`/api/v1/prefixes?within=${encodeURIComponent('::ffff:0:0/96')}&vrf=public`);
      expect(cidrs(listed.items)).toEqual(['::ffff:0:0/96', '::ffff:0:0/104', '::ffff:100:0/104', '::ffff:200:0/104', '::ffff:300:0/104', '::ffff:a00:0/104']);
      expect(cidrs((await ok(`/api/v1/prefixes?contains=${encodeURIComponent('::ffff:a00:1')}&vrf=public`)).items)).toEqual(['::ffff:0:0/96', '::ffff:a00:0/104']);
      // Pages of two: each cursor carries a row's cidr as PostgreSQL printed it.
      const paged: string[] = [];
      for (let cursor = ''; ; ) {
        const page = await ok(`/api/v1/prefixes?within=${encodeURIComponent('::ffff:0:0/96')}&vrf=public&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        paged.push(...cidrs(page.items));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(paged).toEqual(cidrs(listed.items));

      // Addresses in an assigned block whose rows PostgreSQL prints as ::ffff:12.0.0.x.
      const assigned = await created('POST', '/api/v1/prefixes', { vrf: 'public', cidr: '::ffff:c00:0/120', holder: dept, status: 'assigned', description: '12.0.0.0/24 mapped' });
      expect(assigned).toMatchObject({ cidr: '::ffff:c00:0/120', parentId: root.id });
      const next = async () => (await created('POST', `/api/v1/prefixes/${assigned.id}/addresses`, { hostname: 'mapped' })).address;
      expect([await next(), await next(), await next()]).toEqual(['::ffff:c00:1', '::ffff:c00:2', '::ffff:c00:3']);
      expect((await created('POST', `/api/v1/prefixes/${assigned.id}/addresses`, { address: '::ffff:c00:ff', hostname: 'last' })).address).toBe('::ffff:c00:ff');
      const listedAddresses = await ok(`/api/v1/addresses?prefix=${assigned.id}`);
      expect(listedAddresses.items.map((a: { address: string }) => a.address)).toEqual(['::ffff:c00:1', '::ffff:c00:2', '::ffff:c00:3', '::ffff:c00:ff']);
      const second = await ok(`/api/v1/addresses?address=${encodeURIComponent('::ffff:c00:2')}`);
      expect(second.items.map((a: { address: string }) => a.address)).toEqual(['::ffff:c00:2']);
      expect((await t.call('DELETE', `/api/v1/addresses/${second.items[0].id}`)).status).toBe(204);
      expect(await next()).toBe('::ffff:c00:2');
      expect(await next()).toBe('::ffff:c00:4');

      // The modules that read these rows back: reverse zones and RDAP.
      const zoneName = '0.0.0.0.c.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa';
      expect((await ok(`/api/v1/prefixes/${assigned.id}/reverse-zones`)).items).toEqual([{ name: zoneName }]);
      await created('POST', '/api/v1/domains', {
        name: 'edge.example',
        holder: '450000',
        nameservers: [{ name: 'ns1.edge.example', addresses: ['192.0.2.53'] }],
        soa: { rname: 'hostmaster@edge.example' },
      });
      const zone = await t.call('GET', `/api/v1/reverse-zones/${zoneName}`);
      expect(zone.status, zone.text).toBe(200);
      const ptrs = zone.text.split('\n').filter((l) => l.includes(' IN PTR '));
      expect(ptrs.map((l) => l.split(' ')[0]).sort()).toEqual(['1.0', '2.0', '3.0', '4.0', 'f.f'].map((n) => `${n}.${zoneName}.`));
      // Sites: a device's management address and an interface in such blocks are recognised as registered.
      const device = await t.call('POST', '/api/v1/devices', {
        body: { hostname: 'mapped-agg', role: 'aggregation', vendor: 'h3c', ownerUnit: '450100', mgmtAddress: '::ffff:c00:3', interfaces: [{ name: 'GE1', address: '::ffff:a00:1/104' }] },
      });
      expect(device.status, device.text).toBe(201);
      expect(device.body).toMatchObject({ mgmtAddress: '::ffff:c00:3', warnings: [] });
      expect(device.body.mgmtAddressId).not.toBeNull();

      const rdap = await t.call('GET', `/rdap/ip/${encodeURIComponent('::ffff:c00:2')}`, { token: null });
      expect(rdap.status, rdap.text).toBe(200);
      expect(rdap.body).toMatchObject({ startAddress: '::ffff:c00:0', endAddress: '::ffff:c00:ff', cidr0_cidrs: [{ v6prefix: '::ffff:c00:0', length: 120 }] });
    });
  });
});
