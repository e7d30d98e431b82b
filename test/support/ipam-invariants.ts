/**
 * The registry's address-space invariants, checked straight in the database after a crash, an
 * outage or a race (test/resilience/): each query lists the rows that break one rule, so a
 * failure names them. Empty lists everywhere: the tree is sound.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../../server/db/client.js';

const bits = sql`(CASE WHEN family(p.prefix) = 4 THEN 32 ELSE 128 END)`;

const checks: Record<string, SQL> = {
  // Siblings (same VRF, same parent) never overlap; the exclusion constraint should already refuse it.
  'overlapping prefixes': sql`
    SELECT a.prefix::text AS a, b.prefix::text AS b FROM prefixes a
    JOIN prefixes b ON a.vrf_id = b.vrf_id AND a.id < b.id AND a.parent_id IS NOT DISTINCT FROM b.parent_id AND a.prefix && b.prefix`,
  'a child outside its parent': sql`
    SELECT c.prefix::text AS child, p.prefix::text AS parent FROM prefixes c JOIN prefixes p ON p.id = c.parent_id
    WHERE NOT (c.prefix << p.prefix) OR c.vrf_id <> p.vrf_id`,
  'an address outside its prefix': sql`
    SELECT a.address::text AS address, p.prefix::text AS prefix FROM addresses a JOIN prefixes p ON p.id = a.prefix_id
    WHERE NOT (a.address <<= p.prefix) OR a.vrf_id <> p.vrf_id`,
  'duplicate addresses': sql`SELECT vrf_id, address::text AS address, count(*)::int AS n FROM addresses GROUP BY vrf_id, address HAVING count(*) > 1`,
  // The counters the writes keep (child_count, address_count, used_addresses, total_addresses) equal a recount.
  'utilization columns differing from a recount': sql`
    SELECT * FROM (
      SELECT p.prefix::text AS prefix, p.child_count, p.address_count, p.used_addresses::text AS used, p.total_addresses::text AS total,
        (SELECT count(*) FROM prefixes c WHERE c.parent_id = p.id)::int AS children,
        (SELECT count(*) FROM addresses a WHERE a.prefix_id = p.id)::int AS addresses,
        ((SELECT coalesce(sum(c.total_addresses), 0) FROM prefixes c WHERE c.parent_id = p.id) + (SELECT count(*) FROM addresses a WHERE a.prefix_id = p.id))::text AS recounted_used,
        power(2::numeric, ${bits} - masklen(p.prefix))::numeric(40,0)::text AS recounted_total
      FROM prefixes p) r
    WHERE child_count <> children OR address_count <> addresses OR used::numeric <> recounted_used::numeric OR total::numeric <> recounted_total::numeric`,
  // The free-space index (prefix_free_blocks) and the children tile each prefix that has children
  // exactly; one without children keeps no rows (it is free whole, server/modules/ipam/freespace.ts).
  'free blocks and children not adding up to their prefix': sql`
    SELECT * FROM (
      SELECT p.prefix::text AS prefix, p.total_addresses::text AS total,
        ((SELECT coalesce(sum(power(2::numeric, ${bits} - f.length)), 0) FROM prefix_free_blocks f WHERE f.parent_id = p.id)
          + (SELECT coalesce(sum(c.total_addresses), 0) FROM prefixes c WHERE c.parent_id = p.id))::numeric(40,0)::text AS tiled
      FROM prefixes p WHERE p.status <> 'assigned' AND EXISTS (SELECT 1 FROM prefixes c WHERE c.parent_id = p.id)) r
    WHERE total::numeric <> tiled::numeric`,
  'free blocks kept by a prefix without children': sql`
    SELECT p.prefix::text AS prefix, f.block::text AS block FROM prefix_free_blocks f JOIN prefixes p ON p.id = f.parent_id
    WHERE NOT EXISTS (SELECT 1 FROM prefixes c WHERE c.parent_id = p.id)`,
  'a free block outside its prefix, or of the wrong length': sql`
    SELECT f.block::text AS block, p.prefix::text AS prefix FROM prefix_free_blocks f JOIN prefixes p ON p.id = f.parent_id
    WHERE NOT (f.block <<= p.prefix) OR f.length <> masklen(f.block) OR p.status = 'assigned'`,
  'a free block overlapping a child': sql`
    SELECT f.block::text AS block, c.prefix::text AS child FROM prefix_free_blocks f JOIN prefixes c ON c.parent_id = f.parent_id AND f.block && c.prefix`,
  'overlapping free blocks': sql`
    SELECT a.block::text AS a, b.block::text AS b FROM prefix_free_blocks a
    JOIN prefix_free_blocks b ON a.parent_id = b.parent_id AND a.block < b.block AND a.block && b.block`,
};

/** Every broken rule with (up to 5 of) the rows that break it; empty when the tree is sound. */
export async function ipamViolations(db: Executor): Promise<string[]> {
  const found: string[] = [];
  for (const [rule, query] of Object.entries(checks)) {
    const bad = await rows(db, query);
    if (bad.length) found.push(`${rule} (${bad.length}): ${bad.slice(0, 5).map((r) => JSON.stringify(r)).join('; ')}`);
  }
  return found;
}
