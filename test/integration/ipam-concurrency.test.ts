import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressCount, overlaps, parseCidr, containsCidr } from '../../server/net/cidr.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';

describe.each(backends)('concurrent allocation on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => t?.close());

  it('64 parallel allocations into room for exactly 50: 50 × 201, 14 × 409 pool_exhausted, no overlap', async () => {
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.50.0.0/24', holder: '450000' } });
    // 64 /30s fit; take 14 first so that exactly 50 remain.
    const first = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 30, holder: '450100', status: 'allocated', count: 14 } });
    expect(first.status).toBe(201);
    const cities = ['450100', '450200', '450300', '450400'];
    const replies = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 30, holder: cities[i % 4], status: 'allocated', strategy: (['first', 'best', 'last'] as const)[i % 3] } }),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(replies.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(Array(14).fill('pool_exhausted'));
    const children = await t.call('GET', `/api/v1/prefixes/${pool.body.id}/children?limit=1000`);
    const blocks = children.body.items.map((p: { cidr: string }) => parseCidr(p.cidr));
    expect(blocks).toHaveLength(64);
    for (let i = 0; i < blocks.length; i++) for (let j = i + 1; j < blocks.length; j++) expect(overlaps(blocks[i], blocks[j])).toBe(false);
    const after = await t.call('GET', `/api/v1/prefixes/${pool.body.id}`);
    expect(after.body.utilization).toMatchObject({ usedAddresses: '256', totalAddresses: '256', percent: 100 });
    expect(after.body.childCount).toBe(64);
  });

  it('allocations and reclaims racing under one parent keep it exact', async () => {
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.70.0.0/20', holder: '450000' } });
    const first = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 24, holder: '450100', status: 'allocated', count: 8 } });
    const victims: { id: string }[] = first.body.items;
    const replies = await Promise.all([
      // reclaim the first eight while 24 more allocations of mixed sizes race them
      ...victims.map((v) => t.call('DELETE', `/api/v1/prefixes/${v.id}`)),
      ...Array.from({ length: 24 }, (_, i) =>
        t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 24 + (i % 3), holder: '450100', status: 'allocated', strategy: (['first', 'best', 'last'] as const)[i % 3] } }),
      ),
    ]);
    expect(replies.slice(0, 8).map((r) => r.status)).toEqual(Array(8).fill(204));
    expect(replies.slice(8).every((r) => r.status === 201 || (r.status === 409 && r.body.code === 'pool_exhausted'))).toBe(true);
    const children = (await t.call('GET', `/api/v1/prefixes/${pool.body.id}/children?limit=1000`)).body.items.map((p: { cidr: string }) => parseCidr(p.cidr));
    for (let i = 0; i < children.length; i++) for (let j = i + 1; j < children.length; j++) expect(overlaps(children[i], children[j])).toBe(false);
    const used = children.reduce((sum: bigint, c: ReturnType<typeof parseCidr>) => sum + addressCount(c), 0n);
    const free = (await t.call('GET', `/api/v1/prefixes/${pool.body.id}/available?limit=1000`)).body.items.reduce(
      (sum: bigint, f: { addresses: string }) => sum + BigInt(f.addresses),
      0n,
    );
    expect(used + free).toBe(4096n);
    const parent = await t.call('GET', `/api/v1/prefixes/${pool.body.id}`);
    expect(parent.body.utilization.usedAddresses).toBe(used.toString());
    expect(parent.body.childCount).toBe(children.length);
  });

  it('32 parallel next-free addresses into a /27 with 30 usable hosts: 30 distinct, 2 × pool_exhausted', async () => {
    await t.call('POST', '/api/v1/units', { body: { code: 'NN-RACE', name: '南宁市并发测试局', parent: '450100', kind: 'department' } });
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.80.0.0/24', holder: '450100' } });
    const assigned = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 27, holder: 'NN-RACE', status: 'assigned' } });
    const replies = await Promise.all(Array.from({ length: 32 }, (_, i) => t.call('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { body: { hostname: `h${i}` } })));
    const addresses = replies.filter((r) => r.status === 201).map((r) => r.body.address);
    expect(addresses).toHaveLength(30);
    expect(new Set(addresses).size).toBe(30);
    expect(addresses).not.toContain('10.80.0.0');
    expect(addresses).not.toContain('10.80.0.31');
    expect(replies.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(['pool_exhausted', 'pool_exhausted']);
    expect((await t.call('GET', `/api/v1/prefixes/${assigned.body.id}`)).body.utilization.usedAddresses).toBe('30');
  });

  it('allocations under different parents all land, each parent consistent', async () => {
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.60.0.0/16', holder: '450000' } });
    const parents = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 20, holder: '450100', status: 'allocated', count: 8 } });
    const replies = await Promise.all(
      parents.body.items.flatMap((p: { id: string }) =>
        Array.from({ length: 6 }, () => t.call('POST', `/api/v1/prefixes/${p.id}/allocate`, { body: { prefixLength: 24, holder: '450102', status: 'allocated' } })),
      ),
    );
    expect(replies.every((r) => r.status === 201)).toBe(true);
    for (const p of parents.body.items) {
      const got = await t.call('GET', `/api/v1/prefixes/${p.id}`);
      expect(got.body.childCount).toBe(6);
      expect(got.body.utilization.usedAddresses).toBe(String(6 * 256));
    }
  });

  // PGlite runs one statement at a time, so there a transaction holds up every request anyway.
  it.runIf(backend === 'postgres')('a parent locked by a long transaction holds up only its own allocations', async () => {
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.90.0.0/16', holder: '450000' } });
    const cities = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 20, holder: '450100', status: 'allocated', count: 2 } });
    const [locked, free] = cities.body.items as { id: string }[];
    const body = { prefixLength: 28, holder: '450102', status: 'allocated' };
    let waiting: Promise<{ status: number }> | undefined;
    await t.database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT id FROM prefixes WHERE id = ${Number(locked.id)} FOR UPDATE`);
      waiting = t.call('POST', `/api/v1/prefixes/${locked.id}/allocate`, { body });
      // Its statement reaches the row lock and waits there (db/batches.ts: a stalled statement).
      await new Promise((r) => setTimeout(r, 100));
      const other = await t.call('POST', `/api/v1/prefixes/${free.id}/allocate`, { body });
      expect(other.status).toBe(201);
      const state = await Promise.race([waiting.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 50))]);
      expect(state).toBe('waiting');
    });
    expect((await waiting!).status).toBe(201);
  });

  // The allocation batches pipeline on a connection of their own (allocation-batches.ts): a
  // statement there that waited for the lock would hold up the one sent right behind it.
  it.runIf(backend === 'postgres')('a request under a locked parent waits on its own at once: one sent right behind it is not held up', async () => {
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.91.0.0/16', holder: '450000' } });
    const cities = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 20, holder: '450100', status: 'allocated', count: 2 } });
    const [locked, free] = cities.body.items as { id: string }[];
    const body = { prefixLength: 28, holder: '450102', status: 'allocated' };
    let waiting: Promise<{ status: number; body: { cidr: string } }> | undefined;
    await t.database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT id FROM prefixes WHERE id = ${Number(locked.id)} FOR UPDATE`);
      // Both at once, well inside the 50 ms after which a statement counts as stalled.
      waiting = t.call('POST', `/api/v1/prefixes/${locked.id}/allocate`, { body });
      const others = await Promise.all([1, 2, 3].map(() => t.call('POST', `/api/v1/prefixes/${free.id}/allocate`, { body })));
      expect(others.map((o) => o.status)).toEqual([201, 201, 201]);
      const state = await Promise.race([waiting.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 50))]);
      expect(state).toBe('waiting');
    });
    const answered = await waiting!;
    expect(answered.status).toBe(201);
    expect(answered.body.cidr).toBe('10.91.0.0/28');
    const parent = await t.call('GET', `/api/v1/prefixes/${locked.id}`);
    expect(parent.body.childCount).toBe(1);
  });
});

/**
 * The buddy allocator through the whole stack: random allocations (every strategy, mixed
 * lengths) and reclaims keep children aligned, inside the parent and disjoint, and the free
 * blocks plus the children tile the parent exactly; reclaiming everything leaves one free block.
 */
describe('allocator properties through the API (PGlite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(async () => t?.close());

  for (const family of [4, 6] as const) {
    it(`keeps free + used = parent for IPv${family}`, async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.record({ op: fc.constant('allocate' as const), extra: fc.integer({ min: 1, max: 6 }), strategy: fc.constantFrom('first' as const, 'best' as const, 'last' as const) }),
              fc.record({ op: fc.constant('reclaim' as const), pick: fc.nat() }),
            ),
            { minLength: 1, maxLength: 25 },
          ),
          async (steps) => {
            run += 1;
            const base = family === 4 ? `10.${run % 250}.${Math.floor(run / 250) * 16}.0/24` : `2001:db8:${run.toString(16)}::/120`;
            const parentCidr = parseCidr(base);
            const pool = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'internet', cidr: base, holder: '450000' } });
            expect(pool.status, pool.text).toBe(201);
            const held: { id: string; cidr: string }[] = [];
            for (const step of steps) {
              if (step.op === 'allocate') {
                const r = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, {
                  body: { prefixLength: parentCidr.length + step.extra, holder: '450000', status: 'reserved', strategy: step.strategy },
                });
                if (r.status === 201) held.push({ id: r.body.id, cidr: r.body.cidr });
                else expect(r.body.code).toBe('pool_exhausted');
              } else if (held.length) {
                const [victim] = held.splice(step.pick % held.length, 1);
                expect((await t.call('DELETE', `/api/v1/prefixes/${victim.id}`)).status).toBe(204);
              }
            }
            const blocks = held.map((h) => parseCidr(h.cidr));
            for (const b of blocks) {
              expect(containsCidr(parentCidr, b)).toBe(true);
              expect(b.network % addressCount(b)).toBe(0n);
            }
            for (let i = 0; i < blocks.length; i++) for (let j = i + 1; j < blocks.length; j++) expect(overlaps(blocks[i], blocks[j])).toBe(false);
            const free = (await t.call('GET', `/api/v1/prefixes/${pool.body.id}/available?limit=1000`)).body.items.map((f: { cidr: string }) => parseCidr(f.cidr));
            const used = blocks.reduce((s, b) => s + addressCount(b), 0n);
            const freeSum = free.reduce((s: bigint, b: ReturnType<typeof parseCidr>) => s + addressCount(b), 0n);
            expect(used + freeSum).toBe(addressCount(parentCidr));
            const got = await t.call('GET', `/api/v1/prefixes/${pool.body.id}`);
            expect(got.body.utilization.usedAddresses).toBe(used.toString());
            for (const h of held) expect((await t.call('DELETE', `/api/v1/prefixes/${h.id}`)).status).toBe(204);
            const merged = await t.call('GET', `/api/v1/prefixes/${pool.body.id}/available`);
            expect(merged.body.items).toEqual([{ cidr: parentCidr.text, addresses: addressCount(parentCidr).toString() }]);
          },
        ),
        { numRuns: 12 },
      );
    });
  }
});
