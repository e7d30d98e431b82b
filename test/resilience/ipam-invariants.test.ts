// The checker the crash, outage and two-instance runs rely on (test/support/ipam-invariants.ts)
// must see damage: a sound tree passes, and each kind of tampering is named.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { ipamViolations } from '../support/ipam-invariants.js';

describe.each(backends)('the address-space invariants checker, on %s', (backend) => {
  let t: TestApp;
  let poolId: string;
  let spare: { id: string; cidr: string };
  beforeAll(async () => {
    t = await startTestApp(backend);
    await t.call('POST', '/api/v1/units', { body: { code: 'INV-DEPT', name: '不变量测试局', parent: '450100', kind: 'department' } });
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.60.0.0/16', holder: '450000' } });
    poolId = pool.body.id;
    const city = await t.call('POST', `/api/v1/prefixes/${poolId}/allocate`, { body: { prefixLength: 20, holder: '450100', status: 'allocated' } });
    // Allocated, nothing inside yet: free whole, with no free-block rows of its own.
    spare = (await t.call('POST', `/api/v1/prefixes/${poolId}/allocate`, { body: { prefixLength: 24, holder: '450100', status: 'allocated' } })).body;
    for (let i = 0; i < 3; i++) {
      const leaf = await t.call('POST', `/api/v1/prefixes/${city.body.id}/allocate`, { body: { prefixLength: 26, holder: 'INV-DEPT', status: 'assigned' } });
      expect(leaf.status, leaf.text).toBe(201);
      expect((await t.call('POST', `/api/v1/prefixes/${leaf.body.id}/addresses`, { body: {} })).status).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  it('passes a sound tree, and names each kind of damage', async () => {
    const db = t.database.db;
    expect(await ipamViolations(db)).toEqual([]);
    const damage: [string, ReturnType<typeof sql>, ReturnType<typeof sql>][] = [
      ['utilization columns differing from a recount', sql`UPDATE prefixes SET child_count = child_count + 1 WHERE id = ${poolId}`, sql`UPDATE prefixes SET child_count = child_count - 1 WHERE id = ${poolId}`],
      // A free block claimed inside the city's allocation (10.60.0.0/20, the first block).
      ['a free block overlapping a child', sql`INSERT INTO prefix_free_blocks (parent_id, block, length) VALUES (${poolId}, '10.60.0.0/28', 28)`, sql`DELETE FROM prefix_free_blocks WHERE parent_id = ${poolId} AND block = '10.60.0.0/28'`],
      ['free blocks kept by a prefix without children', sql`INSERT INTO prefix_free_blocks (parent_id, block, length) VALUES (${spare.id}, ${spare.cidr}::cidr, 24)`, sql`DELETE FROM prefix_free_blocks WHERE parent_id = ${spare.id}`],
    ];
    for (const [rule, harm, repair] of damage) {
      await db.execute(harm);
      const found = await ipamViolations(db);
      await db.execute(repair);
      expect(found.join('\n')).toContain(rule);
    }
    expect(await ipamViolations(db)).toEqual([]);
  });
});
