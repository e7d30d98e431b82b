import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { mutate, read, writeInOneStatement, type Ctx } from '../../../context.js';
import { rows } from '../../../db/client.js';
import { explainConstraint } from '../../../db/errors.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { invalid, notFound, Problem, ruleViolation } from '../../../http/problem.js';
import { isUsableHost } from '../../../net/blocks.js';
import { containsAddress, formatAddress, parseAddress, readStoredCidr } from '../../../net/cidr.js';
import { authorize } from '../../access/authorize.js';
import { unitInScope } from '../../access/scope.js';
import { cachedUnit } from '../../divisions/cache.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import type { UnitRow } from '../../divisions/schema.js';
import type { AddressView, CreateAddressInput, ListAddressesQuery } from '../inputs.js';
import { bareAddress, loadPrefix, loadVrf } from '../lookup.js';
import { decideThenWrite } from '../decide-first.js';
import { delegatingParent } from '../parent-cache.js';
import { addresses, prefixes, type AddressRow, type PrefixRow } from '../schema.js';
import { addressView } from '../views.js';
import { vrfMap } from './vrfs.js';

explainConstraint('addresses_vrf_address_key', () => new Problem(409, 'conflict', 'that address is already registered in this VRF'));
explainConstraint('addresses_inside_prefix', () => new Problem(422, 'outside_parent', 'the address lies outside its prefix'));
explainConstraint('addresses_in_assigned_prefix', () => new Problem(422, 'delegation_rule', 'addresses are registered in assigned prefixes only'));

/**
 * The next free host in one autocommitted statement (migration 0020, waiwang_assign_next_free).
 * Decide first, then write, as allocations do (allocateIn in prefixes.ts): who may assign and
 * whether the prefix takes addresses are decided on the prefix and its holder as the caches
 * have them, in the order of the explicit path below; the function locks the prefix and writes
 * the address, the prefix's counters and the audit entry only if the locked rows still say the
 * same, else it writes nothing and answers `stale`, and the verb decides again on fresh rows.
 * The prefix's lock is held only while that statement runs.
 */
async function assignNextAddress(ctx: Ctx, prefixId: string, input: CreateAddressInput): Promise<AddressView> {
  const id = idOf(prefixId, 'prefix');
  const hostname = storedHostname(input);
  return writeInOneStatement(ctx, (db) =>
    decideThenWrite<{ prefix: PrefixRow; holder: UnitRow }, AddressView>(
      ctx.db,
      async (fresh) => {
        const prefix = await delegatingParent(db, ctx.db, id, fresh);
        if (!prefix) throw notFound(`prefix ${prefixId}`);
        const holder = (fresh ? await loadUnit(db, prefix.holderCode) : await cachedUnit(db, prefix.holderCode, ctx.db))!;
        checkAddressable(ctx, prefix, holder, input);
        return { prefix, holder };
      },
      async ({ prefix, holder }) => {
        const vrf = (await vrfMap(db, ctx.db, [prefix.vrfId])).get(prefix.vrfId)!;
        const request = {
          prefix: id, hostname, description: input.description, gateway: input.gateway, at: ctx.now().toISOString(),
          prefix_holder: prefix.holderCode, prefix_status: prefix.status, holder_path: holder.path,
          actor: ctx.actor.username, request_id: ctx.requestId ?? null, vrf: vrf.name,
        };
        const [{ r }] = await rows<{ r: NextAddressResult | string }>(db, sql`SELECT waiwang_assign_next_free(${JSON.stringify(request)}::jsonb) AS r`);
        const result: NextAddressResult = typeof r === 'string' ? JSON.parse(r) : r;
        if (result.stale) return { stale: result.stale };
        if (!result.address) {
          const block = readStoredCidr(prefix.prefix);
          if (result.exhausted) throw new Problem(409, 'pool_exhausted', `${block.text} has no free host address left`);
          throw new Problem(409, 'conflict', `the gateway address ${bareAddress(result.first!)} of ${block.text} is already registered`);
        }
        const a = result.address;
        const row: AddressRow = {
          id: Number(a.id),
          vrfId: Number(a.vrf_id),
          prefixId: Number(a.prefix_id),
          address: a.address,
          holderCode: a.holder_code,
          hostname: a.hostname,
          description: a.description,
          gateway: a.gateway,
          createdAt: new Date(a.created_at),
        };
        return addressView(row, vrf);
      },
      (attempts) => `prefix ${prefixId} or its holder changed ${attempts} times while assigning an address; try again`,
    ),
  );
}

/** Who may register an address in `prefix`, and whether the prefix takes one: the same checks, in the same order, for a chosen and for the next free address. */
function checkAddressable(ctx: Ctx, prefix: PrefixRow, holder: UnitRow, input: CreateAddressInput): void {
  authorize(ctx, 'address.assign', { unit: holder });
  const block = readStoredCidr(prefix.prefix);
  if (prefix.status !== 'assigned') {
    throw ruleViolation('delegation_rule', `${block.text} is ${prefix.status}: addresses are registered in assigned prefixes (assign a block to a department first)`);
  }
  if (input.holder && input.holder !== holder.code) {
    throw ruleViolation('delegation_rule', `addresses in ${block.text} belong to its holder ${holder.name} (${holder.code}), not ${input.holder}`);
  }
  assertActive(holder);
}

/** The hostname as stored: lower case, without the root's trailing dot. */
function storedHostname(input: CreateAddressInput): string {
  return input.hostname.replace(/\.$/, '').toLowerCase();
}

/** What waiwang_assign_next_free returns. */
interface NextAddressResult {
  /** What changed since the verb decided: nothing was written. */
  stale?: 'prefix' | 'units';
  address?: { id: string; vrf_id: string; prefix_id: string; address: string; holder_code: string; hostname: string; description: string; gateway: boolean; created_at: string } | null;
  first?: string;
  exhausted?: boolean;
}

export async function registerAddress(ctx: Ctx, prefixId: string, input: CreateAddressInput): Promise<AddressView> {
  const wanted = input.address !== undefined ? parseAddress(input.address) : undefined;
  if (!wanted) return assignNextAddress(ctx, prefixId, input);
  return mutate(ctx, async (tx, audit) => {
    const prefix = await loadPrefix(tx, prefixId, { forUpdate: true });
    const holder = await loadUnit(tx, prefix.holderCode);
    checkAddressable(ctx, prefix, holder, input);
    const block = readStoredCidr(prefix.prefix);
    if (wanted.family !== block.family || !containsAddress(block, wanted.value)) {
      throw new Problem(422, 'outside_parent', `${wanted.text} lies outside ${block.text}`);
    }
    if (!isUsableHost(block, wanted.value)) {
      throw invalid(`${wanted.text} is not a usable host address of ${block.text} (network, broadcast or subnet-router anycast address)`, { field: 'address' });
    }
    const text = formatAddress(block.family, wanted.value);
    const [existing] = await tx.select().from(addresses).where(and(eq(addresses.vrfId, prefix.vrfId), sql`${addresses.address} = ${text}::inet`));
    if (existing) throw new Problem(409, 'conflict', `${text} is already registered (address ${existing.id}, ${existing.hostname || 'no hostname'})`, { existing: { id: String(existing.id) } });
    const [row] = await tx
      .insert(addresses)
      .values({ vrfId: prefix.vrfId, prefixId: prefix.id, address: text, holderCode: holder.code, hostname: storedHostname(input), description: input.description, gateway: input.gateway })
      .returning();
    await tx
      .update(prefixes)
      .set({ usedAddresses: sql`${prefixes.usedAddresses} + 1`, addressCount: sql`${prefixes.addressCount} + 1`, updatedAt: ctx.now() })
      .where(eq(prefixes.id, prefix.id));
    const vrf = (await vrfMap(tx, ctx.db, [prefix.vrfId])).get(prefix.vrfId)!;
    const view = addressView(row, vrf);
    await audit({ action: 'address.assign', objectType: 'address', objectId: view.id, after: view });
    return view;
  });
}

export async function releaseAddress(ctx: Ctx, id: string): Promise<void> {
  const n = idOf(id, 'address');
  await mutate(ctx, async (tx, audit) => {
    const [peek] = await tx.select().from(addresses).where(eq(addresses.id, n));
    if (!peek) throw notFound(`address ${id}`);
    const prefix = await loadPrefix(tx, peek.prefixId, { forUpdate: true });
    authorize(ctx, 'address.release', { unit: await loadUnit(tx, prefix.holderCode) });
    const [row] = await tx.delete(addresses).where(eq(addresses.id, n)).returning();
    if (!row) throw notFound(`address ${id}`);
    await tx
      .update(prefixes)
      .set({ usedAddresses: sql`${prefixes.usedAddresses} - 1`, addressCount: sql`${prefixes.addressCount} - 1`, updatedAt: ctx.now() })
      .where(eq(prefixes.id, prefix.id));
    const vrf = (await vrfMap(tx, ctx.db, [row.vrfId])).get(row.vrfId)!;
    await audit({ action: 'address.release', objectType: 'address', objectId: id, before: addressView(row, vrf) });
  });
}

export async function listAddresses(ctx: Ctx, query: ListAddressesQuery): Promise<Page<AddressView>> {
  authorize(ctx, 'address.read');
  const wanted = query.address ? parseAddress(query.address) : undefined;
  return read(async () => {
    const conditions: (SQL | undefined)[] = [unitInScope(ctx, addresses.holderCode)];
    if (query.vrf) {
      conditions.push(eq(addresses.vrfId, (await loadVrf(ctx.db, query.vrf, ctx.db)).id));
    }
    if (wanted) conditions.push(sql`${addresses.address} = ${wanted.text}::inet`);
    if (query.holder) conditions.push(eq(addresses.holderCode, query.holder));
    if (query.prefix) conditions.push(eq(addresses.prefixId, Number(query.prefix)));
    if (query.cursor) conditions.push(gt(addresses.id, Number(query.cursor)));
    const found: AddressRow[] = await ctx.db.select().from(addresses).where(and(...conditions)).orderBy(asc(addresses.id)).limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), async (page) => {
      const map = await vrfMap(ctx.db, ctx.db, page.map((r) => r.vrfId));
      return page.map((r) => addressView(r, map.get(r.vrfId)!));
    });
  });
}
