import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../../server/db/client.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { ipamViolations } from '../support/ipam-invariants.js';

/**
 * Allocation, next-free address and reclaim run as one PL/pgSQL function each (migrations 0017,
 * 0019, 0020, 0021). Each decides first, on cached rows (ipam/decide-first.ts), and its function
 * writes only if the locked rows still say the same. These check that every refusal leaves nothing behind, that a change made
 * underneath the caches (by another server) is noticed, that all-or-none holds for count > 1,
 * and that the answers are those of the statement-by-statement verbs.
 */
describe.each(backends)('IPAM functions on %s', (backend) => {
  let t: TestApp;
  let outsider: string;
  let poolId: string;
  let cityId: string;
  beforeAll(async () => {
    t = await startTestApp(backend);
    outsider = await t.userToken('operator', '450200');
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.0.0.0/8', holder: '450000' } });
    poolId = pool.body.id;
    const city = await t.call('POST', `/api/v1/prefixes/${poolId}/allocate`, { body: { prefixLength: 24, holder: '450100', status: 'allocated' } });
    cityId = city.body.id;
  });
  afterAll(async () => t?.close());

  async function snapshot() {
    const parent = await t.call('GET', `/api/v1/prefixes/${cityId}`);
    return { prefixes: await countRows(t, 'prefixes'), free: await countRows(t, 'prefix_free_blocks'), audit: await countRows(t, 'audit_entries'), addresses: await countRows(t, 'addresses'), parent: parent.body };
  }

  it('a refused allocation (actor out of scope, level skipped) leaves no row, no free block, no audit entry', async () => {
    const before = await snapshot();
    const foreign = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { token: outsider, body: { prefixLength: 28, holder: '450102', status: 'allocated' } });
    expect(foreign.status).toBe(403);
    const skip = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 28, holder: '450102001', status: 'allocated' } });
    expect(skip.status).toBe(422);
    expect(skip.body.code).toBe('delegation_rule');
    const unknown = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 28, holder: '459999', status: 'allocated' } });
    expect(unknown.status).toBe(404);
    const tooShort = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 24, holder: '450102', status: 'allocated' } });
    expect(tooShort.status).toBe(400);
    const missing = await t.call('POST', `/api/v1/prefixes/987654321/allocate`, { body: { prefixLength: 28, holder: '450102', status: 'allocated' } });
    expect(missing.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('count > 1 is all or none: room for 3 of 4 answers pool_exhausted naming block 4 and allocates nothing', async () => {
    const county = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 26, holder: '450102', status: 'allocated' } });
    expect(county.status).toBe(201);
    const taken = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { body: { prefixLength: 28, holder: '450102', status: 'reserved', strategy: 'last' } });
    expect(taken.body.cidr).toBe('10.0.0.48/28');
    const before = await t.call('GET', `/api/v1/prefixes/${county.body.id}`);
    const four = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { body: { prefixLength: 28, holder: '450102', status: 'reserved', count: 4 } });
    expect(four.status).toBe(409);
    expect(four.body.code).toBe('pool_exhausted');
    expect(four.body.detail).toContain('block 4 of 4');
    expect(four.body.free).toEqual(['10.0.0.0/27', '10.0.0.32/28']);
    expect((await t.call('GET', `/api/v1/prefixes/${county.body.id}`)).body).toEqual(before.body);
    const three = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { body: { prefixLength: 28, holder: '450102', status: 'reserved', count: 3, strategy: 'best' } });
    expect(three.status).toBe(201);
    expect(three.body.items.map((p: { cidr: string }) => p.cidr)).toEqual(['10.0.0.32/28', '10.0.0.0/28', '10.0.0.16/28']);
    const full = await t.call('GET', `/api/v1/prefixes/${county.body.id}`);
    expect(full.body.utilization).toEqual({ percent: 100, usedAddresses: '64', totalAddresses: '64' });
    expect(full.body.childCount).toBe(4);
    // Reclaiming everything merges the free space back into the one /26.
    for (const p of [taken.body, ...three.body.items]) expect((await t.call('DELETE', `/api/v1/prefixes/${p.id}`)).status).toBe(204);
    const free = await t.call('GET', `/api/v1/prefixes/${county.body.id}/available`);
    expect(free.body.items).toEqual([{ cidr: '10.0.0.0/26', addresses: '64' }]);
    const empty = await t.call('GET', `/api/v1/prefixes/${county.body.id}`);
    expect(empty.body.utilization.usedAddresses).toBe('0');
    expect(empty.body.childCount).toBe(0);
  });

  it('a prefix keeps free-block rows only while it has children: free whole before the first, and again after the last is reclaimed', async () => {
    const freeRows = async (id: string) =>
      (await rows<{ block: string }>(t.database.db, sql`SELECT block::text AS block FROM prefix_free_blocks WHERE parent_id = ${id} ORDER BY block`)).map((r) => r.block);
    // A city's /27 at the top of the pool, clear of the other tests' blocks.
    const county = await t.call('POST', `/api/v1/prefixes/${poolId}/allocate`, { body: { prefixLength: 27, holder: '450300', status: 'allocated', strategy: 'last' } });
    expect(county.status, county.text).toBe(201);
    expect(county.body.cidr).toBe('10.255.255.224/27');
    expect(await freeRows(county.body.id)).toEqual([]);
    expect((await t.call('GET', `/api/v1/prefixes/${county.body.id}/available`)).body.items).toEqual([{ cidr: '10.255.255.224/27', addresses: '32' }]);
    expect((await t.call('GET', `/api/v1/prefixes/${county.body.id}/available?prefixLength=29`)).body.items.map((b: { cidr: string }) => b.cidr)).toEqual(['10.255.255.224/29', '10.255.255.232/29', '10.255.255.240/29', '10.255.255.248/29']);
    // Refused for want of room: nothing written, the prefix still free whole.
    const five = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { body: { prefixLength: 29, holder: '450300', status: 'reserved', count: 5 } });
    expect(five.status).toBe(409);
    expect(five.body).toMatchObject({ code: 'pool_exhausted', free: ['10.255.255.224/27'] });
    expect(await freeRows(county.body.id)).toEqual([]);
    // The first child, by allocation: the whole block is written and split.
    const first = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { body: { prefixLength: 29, holder: '450300', status: 'reserved' } });
    expect(first.body.cidr).toBe('10.255.255.224/29');
    expect(await freeRows(county.body.id)).toEqual(['10.255.255.232/29', '10.255.255.240/28']);
    expect(await freeRows(first.body.id)).toEqual([]);
    expect((await t.call('DELETE', `/api/v1/prefixes/${first.body.id}`)).status).toBe(204);
    expect(await freeRows(county.body.id)).toEqual([]);
    // The first child, by registration (POST /prefixes, as an import does): the same.
    const named = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.255.255.240/29', holder: '450300', status: 'reserved' } });
    expect(named.status, named.text).toBe(201);
    expect(named.body.parentId).toBe(county.body.id);
    expect(await freeRows(county.body.id)).toEqual(['10.255.255.224/28', '10.255.255.248/29']);
    const second = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { body: { prefixLength: 29, holder: '450300', status: 'reserved', strategy: 'last' } });
    expect(second.body.cidr).toBe('10.255.255.248/29');
    expect(await freeRows(county.body.id)).toEqual(['10.255.255.224/28']);
    expect((await t.call('GET', `/api/v1/prefixes/${county.body.id}/available`)).body.items).toEqual([{ cidr: '10.255.255.224/28', addresses: '16' }]);
    expect((await t.call('GET', `/api/v1/prefixes/${county.body.id}/available?prefixLength=29&limit=1`)).body.items).toEqual([{ cidr: '10.255.255.224/29', addresses: '8' }]);
    expect(await ipamViolations(t.database.db)).toEqual([]);
    for (const p of [named.body, second.body]) expect((await t.call('DELETE', `/api/v1/prefixes/${p.id}`)).status).toBe(204);
    expect(await freeRows(county.body.id)).toEqual([]);
    expect((await t.call('GET', `/api/v1/prefixes/${county.body.id}/available`)).body.items).toEqual([{ cidr: '10.255.255.224/27', addresses: '32' }]);
    expect(await ipamViolations(t.database.db)).toEqual([]);
  });

  it('a parent changed underneath the cache (by another server) is read again: the allocation is refused as the new row says, and nothing is written', async () => {
    const county = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 27, holder: '450102', status: 'allocated' } });
    expect(county.status).toBe(201);
    // A refused request still puts the parent in this server's cache.
    expect((await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { body: { prefixLength: 20, holder: '450102001', status: 'allocated' } })).status).toBe(400);
    await t.database.db.execute(sql`UPDATE prefixes SET status = 'assigned' WHERE id = ${Number(county.body.id)}`);
    const before = await snapshot();
    const refused = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { body: { prefixLength: 29, holder: '450102001', status: 'allocated' } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'delegation_rule', rule: 'assigned_is_leaf' });
    expect(await snapshot()).toEqual(before);
    await t.database.db.execute(sql`UPDATE prefixes SET status = 'allocated' WHERE id = ${Number(county.body.id)}`);
    const allowed = await t.call('POST', `/api/v1/prefixes/${county.body.id}/allocate`, { body: { prefixLength: 29, holder: '450102001', status: 'allocated' } });
    expect(allowed.status, allowed.text).toBe(201);
  });

  it('a recipient retired underneath the unit cache is noticed under the parent’s lock: 422, nothing written', async () => {
    const dept = await t.call('POST', '/api/v1/units', { body: { code: 'NN-RETIRE-TEST', name: '南宁市撤销测试局', parent: '450100', kind: 'department' } });
    expect(dept.status).toBe(201);
    const first = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 30, holder: 'NN-RETIRE-TEST', status: 'assigned' } });
    expect(first.status, first.text).toBe(201);
    await t.database.db.execute(sql`UPDATE units SET retired_at = now() WHERE code = 'NN-RETIRE-TEST'`);
    const before = await snapshot();
    const refused = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 30, holder: 'NN-RETIRE-TEST', status: 'assigned' } });
    expect(refused.status, refused.text).toBe(422);
    expect(await snapshot()).toEqual(before);
  });

  it('concurrent allocations under several parents share statements and each gets its own answer: the exhausted one 409, the others 201, counters exact', async () => {
    const parents: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 28, holder: '450103', status: 'allocated' } });
      expect(p.status).toBe(201);
      parents.push(p.body.id as string);
    }
    // Room for 4 /30s under each: 6 asked of each parent at once, 18 in all.
    const replies = await Promise.all(
      Array.from({ length: 18 }, (_, i) => t.call('POST', `/api/v1/prefixes/${parents[i % 3]}/allocate`, { body: { prefixLength: 30, holder: '450103', status: 'reserved' } })),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(12);
    expect(statuses.filter((s) => s === 409)).toHaveLength(6);
    for (const r of replies.filter((r) => r.status === 409)) expect(r.body.code).toBe('pool_exhausted');
    for (const id of parents) {
      const p = await t.call('GET', `/api/v1/prefixes/${id}`);
      expect(p.body.childCount).toBe(4);
      expect(p.body.utilization).toEqual({ percent: 100, usedAddresses: '16', totalAddresses: '16' });
    }
    const cidrs = replies.filter((r) => r.status === 201).map((r) => r.body.cidr);
    expect(new Set(cidrs).size).toBe(12);
  });

  it('IPv6: blocks past 2^64 addresses split and merge exactly', async () => {
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '2001:db8::/32', holder: '450000' } });
    const a = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 48, holder: '450100', status: 'allocated', strategy: 'last' } });
    expect(a.body.cidr).toBe('2001:db8:ffff::/48');
    expect(a.body.utilization.totalAddresses).toBe((1n << 80n).toString());
    const parent = await t.call('GET', `/api/v1/prefixes/${pool.body.id}`);
    expect(parent.body.utilization.usedAddresses).toBe((1n << 80n).toString());
    const free = await t.call('GET', `/api/v1/prefixes/${pool.body.id}/available`);
    expect(free.body.items).toHaveLength(16);
    expect(free.body.items[0]).toEqual({ cidr: '2001:db8::/33', addresses: (1n << 95n).toString() });
    expect((await t.call('DELETE', `/api/v1/prefixes/${a.body.id}`)).status).toBe(204);
    expect((await t.call('GET', `/api/v1/prefixes/${pool.body.id}/available`)).body.items).toEqual([{ cidr: '2001:db8::/32', addresses: (1n << 96n).toString() }]);
  });

  it('a refused reclaim (in use, out of scope) and a refused next-free address leave everything as it was', async () => {
    const before = await snapshot();
    const inUse = await t.call('DELETE', `/api/v1/prefixes/${cityId}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('in_use');
    expect((await t.call('DELETE', `/api/v1/prefixes/${cityId}`, { token: outsider })).status).toBe(403);
    expect((await t.call('POST', `/api/v1/prefixes/${cityId}/addresses`, { body: { hostname: 'x' } })).status).toBe(422);
    expect(await snapshot()).toEqual(before);
  });

  it('next free address: the gateway first, then the lowest free host; a taken gateway is a conflict', async () => {
    const dept = await t.call('POST', '/api/v1/units', { body: { code: 'NN-FN-TEST', name: '南宁市测试局', parent: '450100', kind: 'department' } });
    expect(dept.status).toBe(201);
    const assigned = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 29, holder: 'NN-FN-TEST', status: 'assigned', strategy: 'last' } });
    expect(assigned.body.cidr).toBe('10.0.0.248/29');
    const add = (body: Record<string, unknown>) => t.call('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { body });
    const gw = await add({ gateway: true, hostname: 'GW.' });
    expect(gw.body).toMatchObject({ address: '10.0.0.249', gateway: true, hostname: 'gw', holder: 'NN-FN-TEST', prefixId: assigned.body.id });
    expect((await add({ gateway: true })).body.code).toBe('conflict');
    expect((await add({ address: '10.0.0.251' })).status).toBe(201);
    expect((await add({})).body.address).toBe('10.0.0.250');
    expect((await add({})).body.address).toBe('10.0.0.252');
    expect((await add({ holder: '450100' })).body.code).toBe('delegation_rule');
    expect((await add({})).body.address).toBe('10.0.0.253');
    expect((await add({})).body.address).toBe('10.0.0.254');
    const none = await add({});
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('pool_exhausted');
    const p = await t.call('GET', `/api/v1/prefixes/${assigned.body.id}`);
    expect(p.body.addressCount).toBe(6);
    expect(p.body.utilization.usedAddresses).toBe('6');
    const verify = await (async () => {
      await t.sealer.pass();
      return t.call('GET', '/api/v1/audit/verify');
    })();
    expect(verify.body.ok).toBe(true);
  });
  it('next free address on a prefix changed underneath the cache: refused as the new row says, nothing written; allowed once changed back', async () => {
    const dept = await t.call('POST', '/api/v1/units', { body: { code: 'NN-NF-STALE', name: '南宁市缓存测试局', parent: '450100', kind: 'department' } });
    expect(dept.status).toBe(201);
    const assigned = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 29, holder: 'NN-NF-STALE', status: 'assigned' } });
    expect(assigned.status, assigned.text).toBe(201);
    const add = (body: Record<string, unknown> = {}) => t.call('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { body });
    const first = await add();
    expect(first.status, first.text).toBe(201);
    // Another server makes the prefix a reservation: this server's copy still says assigned.
    await t.database.db.execute(sql`UPDATE prefixes SET status = 'reserved' WHERE id = ${Number(assigned.body.id)}`);
    const before = await snapshot();
    const refused = await add();
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.code).toBe('delegation_rule');
    expect(await snapshot()).toEqual(before);
    await t.database.db.execute(sql`UPDATE prefixes SET status = 'assigned' WHERE id = ${Number(assigned.body.id)}`);
    const allowed = await add();
    expect(allowed.status, allowed.text).toBe(201);
    expect(allowed.body.address).not.toBe(first.body.address);
    // The holder retired underneath the unit cache: noticed under the prefix's lock.
    await t.database.db.execute(sql`UPDATE units SET retired_at = now() WHERE code = 'NN-NF-STALE'`);
    const beforeRetired = await snapshot();
    const retired = await add();
    expect(retired.status, retired.text).toBe(422);
    expect(retired.body.code).toBe('rule_violation');
    expect(await snapshot()).toEqual(beforeRetired);
  });

  it('the next free address’s audit entry is written by its statement: the view the API answered, no stored hash until sealed, verify ok', async () => {
    const dept = await t.call('POST', '/api/v1/units', { body: { code: 'NN-NF-AUDIT', name: '南宁市审计测试局', parent: '450100', kind: 'department' } });
    expect(dept.status).toBe(201);
    const assigned = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 29, holder: 'NN-NF-AUDIT', status: 'assigned' } });
    const made = await t.call('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { body: { hostname: 'Mail.Gov.', description: '邮件 "主" 服务器', gateway: false } });
    expect(made.status, made.text).toBe(201);
    const [stored] = await t.database.db.execute(sql`SELECT action, actor, object_type, object_id, after, hash FROM audit_entries WHERE object_type = 'address' AND object_id = ${made.body.id}`).then((r: any) => (Array.isArray(r) ? r : r.rows));
    expect(stored).toMatchObject({ action: 'address.assign', actor: 'admin', object_type: 'address', hash: null });
    expect(typeof stored.after === 'string' ? JSON.parse(stored.after) : stored.after).toEqual(made.body);
    await t.sealer.pass();
    const verify = await t.call('GET', '/api/v1/audit/verify');
    expect(verify.body.ok, verify.text).toBe(true);
  });
  it('reclaim decides on cached rows: an outsider refused on the copies is decided again on fresh rows; a parent whose holder changed underneath is noticed under its lock; the entry is written by the statement', async () => {
    const made = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 28, holder: '450103', status: 'allocated' } });
    expect(made.status, made.text).toBe(201);
    // The outsider (an operator of 450200) is refused: on the copies, then on fresh rows; nothing written.
    const before = await snapshot();
    const refused = await t.call('DELETE', `/api/v1/prefixes/${made.body.id}`, { token: outsider });
    expect(refused.status, refused.text).toBe(403);
    expect(await snapshot()).toEqual(before);
    // Another server hands the parent to 450200: the outsider's copy-based refusal is decided again and now allowed.
    await t.database.db.execute(sql`UPDATE prefixes SET holder_code = '450200' WHERE id = ${Number(cityId)}`);
    try {
      const allowed = await t.call('DELETE', `/api/v1/prefixes/${made.body.id}`, { token: outsider });
      expect(allowed.status, allowed.text).toBe(204);
    } finally {
      await t.database.db.execute(sql`UPDATE prefixes SET holder_code = '450100' WHERE id = ${Number(cityId)}`);
    }
    const after = await snapshot();
    expect(after.prefixes).toBe(before.prefixes - 1);
    expect(after.audit).toBe(before.audit + 1);
    expect(after.parent.childCount).toBe(before.parent.childCount - 1);
    expect(after.parent.utilization.usedAddresses).toBe(String(BigInt(before.parent.utilization.usedAddresses) - 16n));
    // The admin's copy of the parent says 450200 now, the row 450100 again: stale, decided again, reclaimed.
    const again = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 28, holder: '450103', status: 'allocated' } });
    expect((await t.call('DELETE', `/api/v1/prefixes/${again.body.id}`)).status).toBe(204);
    const [stored] = await t.database.db.execute(sql`SELECT action, before, after, hash FROM audit_entries WHERE action = 'prefix.reclaim' AND object_id = ${made.body.id}`).then((r: any) => (Array.isArray(r) ? r : r.rows));
    const shape = typeof stored.before === 'string' ? JSON.parse(stored.before) : stored.before;
    expect(shape).toEqual({ id: made.body.id, vrf: made.body.vrf, cidr: made.body.cidr, status: 'allocated', holder: '450103', parentId: cityId, description: '' });
    expect(stored.after).toBeNull();
    expect(stored.hash).toBeNull();
    await t.sealer.pass();
    expect((await t.call('GET', '/api/v1/audit/verify')).body.ok).toBe(true);
  });
});
