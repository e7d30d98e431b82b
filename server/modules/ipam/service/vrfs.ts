import { asc } from 'drizzle-orm';
import { read, type Ctx } from '../../../context.js';
import { mutateCached } from '../../../db/cache.js';
import { vrfCache } from '../vrf-cache.js';
import type { Executor } from '../../../db/client.js';
import { ruleViolation } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import type { CreateVrfInput } from '../inputs.js';
import { vrfs, zones, type VrfRow } from '../schema.js';

/** VRFs and the zones they belong to. (Finding a VRF by name is `loadVrf` in ../lookup.ts.) */

/** The id → VRF map (vrf-cache.ts), reloaded when it lacks a needed id. */
export async function vrfMap(db: Executor, cacheKey: object = db, needed: number[] = []): Promise<Map<number, VrfRow>> {
  const cached = await vrfCache.get(cacheKey, db);
  if (needed.every((id) => cached.has(id))) return cached;
  vrfCache.invalidate(cacheKey);
  return vrfCache.get(cacheKey, db);
}

export async function listZones(ctx: Ctx) {
  authorize(ctx, 'vrf.read');
  return read(async () => {
    const all = await ctx.db.select().from(vrfs).orderBy(asc(vrfs.id));
    const found = await ctx.db.select().from(zones).orderBy(asc(zones.code));
    return { items: found.map((z) => ({ code: z.code, name: z.name, vrfs: all.filter((v) => v.zoneCode === z.code).map((v) => v.name) })), nextCursor: null };
  });
}

const vrfView = (v: VrfRow) => ({ name: v.name, zone: v.zoneCode, description: v.description, createdAt: v.createdAt.toISOString() });

export async function listVrfs(ctx: Ctx) {
  authorize(ctx, 'vrf.read');
  return read(async () => ({ items: (await ctx.db.select().from(vrfs).orderBy(asc(vrfs.id))).map(vrfView), nextCursor: null }));
}

export async function createVrf(ctx: Ctx, input: CreateVrfInput) {
  authorize(ctx, 'vrf.create');
  if (input.zone !== 'dedicated') {
    throw ruleViolation('rule_violation', `the ${input.zone} zone has one address space; further VRFs belong to the dedicated zone (one per department VPN, article 18)`);
  }
  return mutateCached(ctx, 'vrfs', async (tx, audit) => {
    const [row] = await tx.insert(vrfs).values({ name: input.name, zoneCode: input.zone, description: input.description }).returning();
    await audit({ action: 'vrf.create', objectType: 'vrf', objectId: row.name, after: vrfView(row) });
    return vrfView(row);
  });
}
