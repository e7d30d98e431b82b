import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestApp, type TestApp } from '../support/harness.js';

/**
 * Listing pages are sent as JSON text built item by item from the raw rows (issue 14:
 * views.ts prefixJson); every item must be exactly the object GET /prefixes/{id} builds
 * (prefixView): same keys in the same order, same values — ids and exact counts as text,
 * percent truncated to two decimals, ISO times in UTC, RFC 5952 IPv6 text also where
 * PostgreSQL prints a dotted quad (::/96, ::ffff:0:0/96).
 */
describe.each(backends)('prefix listings sent as JSON text on %s', (backend) => {
  let t: TestApp;
  const parents: string[] = [];
  beforeAll(async () => {
    t = await startTestApp(backend);
    const dept = await t.call('POST', '/api/v1/units', { body: { code: 'NN-LIST-TEST', name: '南宁市列表局', parent: '450100', kind: 'department' } });
    expect(dept.status).toBe(201);
    for (const [cidr, len] of [['10.0.0.0/8', 24], ['::ffff:0:0/96', 120], ['::/96', 120], ['2001:db8::/32', 48]] as const) {
      const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr, holder: '450000', description: `池 "${cidr}" | \\ \t\n` } });
      expect(pool.status, pool.text).toBe(201);
      const city = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: len, holder: '450100', status: 'allocated', count: 3, strategy: 'last' } });
      expect(city.status, city.text).toBe(201);
      const target = city.body.items[1].id;
      // Odd utilization: a /(len+3) assigned with 3 addresses, a /(len+7) reserved.
      const assigned = await t.call('POST', `/api/v1/prefixes/${target}/allocate`, { body: { prefixLength: len + 3, holder: 'NN-LIST-TEST', status: 'assigned' } });
      expect(assigned.status, assigned.text).toBe(201);
      for (let i = 0; i < 3; i++) expect((await t.call('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { body: {} })).status).toBe(201);
      expect((await t.call('POST', `/api/v1/prefixes/${target}/allocate`, { body: { prefixLength: len + 7, holder: '450100', status: 'reserved', strategy: 'last' } })).status).toBe(201);
      parents.push(pool.body.id, target);
    }
  });
  afterAll(async () => t?.close());

  it('gives every item exactly as GET /prefixes/{id} gives it, key order included', async () => {
    const all = await t.call('GET', '/api/v1/prefixes?limit=1000');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe('application/json');
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items.length).toBeGreaterThanOrEqual(4 * 6);
    const percents = new Set<number>();
    for (const item of all.body.items) {
      const one = await t.call('GET', `/api/v1/prefixes/${item.id}`);
      expect(JSON.stringify(item)).toBe(JSON.stringify(one.body));
      percents.add(item.utilization.percent);
    }
    // The figures are not all round: truncation and the double ÷ 100 were exercised.
    expect([...percents].some((p) => !Number.isInteger(p))).toBe(true);
    expect(all.body.items.some((i: { cidr: string }) => i.cidr.startsWith('::ffff:'))).toBe(true);
    expect(all.body.items.every((i: { cidr: string }) => !i.cidr.includes('.') || !i.cidr.includes(':'))).toBe(true);
  });

  it('pages by keyset: pages of 2 walk the same items as one page, children too', async () => {
    const all = (await t.call('GET', '/api/v1/prefixes?limit=1000')).body.items;
    const walked: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: unknown[]; nextCursor: string | null } } = await t.call('GET', `/api/v1/prefixes?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all);
    for (const id of parents) {
      const children = await t.call('GET', `/api/v1/prefixes/${id}/children?limit=1`);
      expect(children.status).toBe(200);
      expect(children.body.items).toHaveLength(1);
      expect(children.body.nextCursor).not.toBeNull();
      expect(children.body.items[0]).toEqual((await t.call('GET', `/api/v1/prefixes/${children.body.items[0].id}`)).body);
    }
    const empty = await t.call('GET', '/api/v1/prefixes?cidr=192.0.2.0/24');
    expect(empty.body).toEqual({ items: [], nextCursor: null });
    expect(empty.text).toBe('{"items":[],"nextCursor":null}');
  });
});
