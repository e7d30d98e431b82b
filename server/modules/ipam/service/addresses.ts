import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import { rows, type Executor } from '../../../db/client.js';
import { explainConstraint } from '../../../db/errors.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { invalid, notFound, Problem, ruleViolation } from '../../../http/problem.js';
import { isUsableHost, usableHosts } from '../../../net/blocks.js';
import { containsAddress, formatAddress, parseAddress, readStoredAddress, readStoredCidr } from '../../../net/cidr.js';
import { authorize } from '../../access/authorize.js';
import { unitInScope } from '../../access/scope.js';
import { assertActive, loadUnit, unitFromJson } from '../../divisions/service.js';
import type { AddressView, CreateAddressInput, ListAddressesQuery } from '../inputs.js';
import { bareAddress, loadPrefix, loadVrf } from '../lookup.js';
import { addresses, prefixes, type AddressRow } from '../schema.js';
import { addressView, prefixFromRaw, type RawPrefix } from '../views.js';
import { vrfMap } from './vrfs.js';

explainConstraint('addresses_vrf_address_key', () => new Problem(409, 'conflict', 'that address is already registered in this VRF'));
explainConstraint('addresses_inside_prefix', () => new Problem(422, 'outside_parent', 'the address lies outside its prefix'));
explainConstraint('addresses_in_assigned_prefix', () => new Problem(422, 'delegation_rule', 'addresses are registered in assigned prefixes only'));

/**
 * The next free host in one round trip (migration 0016, waiwang_assign_next_address: lock the
 * prefix, find the lowest free usable host by the index, insert it, bump the prefix, take the
 * audit id). It writes nothing when the prefix is not assigned, the holder differs or is
 * retired, or there is no (gateway) address left; the verb names the reason here, in the order
 * of the explicit path below, and a refusal it throws after the write rolls back.
 */
async function assignNextAddress(ctx: Ctx, prefixId: string, input: CreateAddressInput): Promise<AddressView> {
  const id = idOf(prefixId, 'prefix');
  const hostname = input.hostname.replace(/\.$/, '').toLowerCase();
  return mutate(ctx, async (tx, audit) => {
    const [{ r }] = await rows<{ r: NextAddressResult | string }>(
      tx,
      sql`SELECT waiwang_assign_next_address(${id}, ${input.holder ?? null}, ${hostname}, ${input.description}, ${input.gateway}, ${ctx.now().toISOString()}::timestamptz) AS r`,
    );
    const result: NextAddressResult = typeof r === 'string' ? JSON.parse(r) : r;
    if (!result.prefix) throw notFound(`prefix ${prefixId}`);
    const prefix = prefixFromRaw(result.prefix);
    const holder = unitFromJson(result.holder!);
    authorize(ctx, 'address.assign', { unit: holder });
    const block = readStoredCidr(prefix.prefix);
    if (prefix.status !== 'assigned') {
      throw ruleViolation('delegation_rule', `${block.text} is ${prefix.status}: addresses are registered in assigned prefixes (assign a block to a department first)`);
    }
    if (input.holder && input.holder !== holder.code) {
      throw ruleViolation('delegation_rule', `addresses in ${block.text} belong to its holder ${holder.name} (${holder.code}), not ${input.holder}`);
    }
    assertActive(holder);
    if (!result.address) {
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
    const vrf = (await vrfMap(tx, ctx.db, [prefix.vrfId])).get(prefix.vrfId)!;
    const view = addressView(row, vrf);
    await audit({ id: Number(result.audit_id), action: 'address.assign', objectType: 'address', objectId: view.id, after: view });
    return view;
  });
}

/** What waiwang_assign_next_address returns. */
interface NextAddressResult {
  prefix: RawPrefix | null;
  holder?: Record<string, unknown>;
  address?: { id: string; vrf_id: string; prefix_id: string; address: string; holder_code: string; hostname: string; description: string; gateway: boolean; created_at: string } | null;
  first?: string;
  exhausted?: boolean;
  audit_id?: string | number;
}

/** The lowest usable host at or above `from` that no row takes, found by the index, not by a scan of all hosts. */
async function nextFreeHost(db: Executor, vrfId: number, prefixId: number, from: bigint, last: bigint, family: 4 | 6): Promise<bigint | null> {
  const first = formatAddress(family, from);
  const [taken] = await rows<{ taken: boolean }>(db, sql`SELECT EXISTS (SELECT 1 FROM addresses WHERE vrf_id = ${vrfId} AND address = ${first}::inet) AS taken`);
  if (!taken.taken) return from;
  // The first registered address in [from, last) whose successor is free: its successor is the answer.
  // `a.address + 1` is computed only below `last`: past 255.255.255.255 (or ffff:…:ffff) PostgreSQL
  // raises "result is out of range" (issue 13, item 9). The guard sits in a CASE because PostgreSQL
  // does not promise to evaluate the WHERE conditions in the order written (manual 4.2.14).
  const [gap] = await rows<{ next: string }>(
    db,
    sql`SELECT host(a.address + 1) AS next FROM addresses a
        WHERE a.prefix_id = ${prefixId} AND a.address >= ${first}::inet AND a.address < ${formatAddress(family, last)}::inet
          AND NOT EXISTS (SELECT 1 FROM addresses b WHERE b.vrf_id = a.vrf_id
                            AND b.address = CASE WHEN a.address < ${formatAddress(family, last)}::inet THEN a.address + 1 END)
        ORDER BY a.address LIMIT 1`,
  );
  return gap ? readStoredAddress(gap.next).value : null;
}

export async function registerAddress(ctx: Ctx, prefixId: string, input: CreateAddressInput): Promise<AddressView> {
  const wanted = input.address !== undefined ? parseAddress(input.address) : undefined;
  if (!wanted) return assignNextAddress(ctx, prefixId, input);
  return mutate(ctx, async (tx, audit) => {
    // The prefix row's lock serializes "next free address" within one prefix only.
    const prefix = await loadPrefix(tx, prefixId, { forUpdate: true });
    const holder = await loadUnit(tx, prefix.holderCode);
    authorize(ctx, 'address.assign', { unit: holder });
    const block = readStoredCidr(prefix.prefix);
    if (prefix.status !== 'assigned') {
      throw ruleViolation('delegation_rule', `${block.text} is ${prefix.status}: addresses are registered in assigned prefixes (assign a block to a department first)`);
    }
    if (input.holder && input.holder !== holder.code) {
      throw ruleViolation('delegation_rule', `addresses in ${block.text} belong to its holder ${holder.name} (${holder.code}), not ${input.holder}`);
    }
    assertActive(holder);
    const hosts = usableHosts(block);
    let value: bigint;
    if (wanted) {
      if (wanted.family !== block.family || !containsAddress(block, wanted.value)) {
        throw new Problem(422, 'outside_parent', `${wanted.text} lies outside ${block.text}`);
      }
      if (!isUsableHost(block, wanted.value)) {
        throw invalid(`${wanted.text} is not a usable host address of ${block.text} (network, broadcast or subnet-router anycast address)`, { field: 'address' });
      }
      value = wanted.value;
    } else {
      const next = hosts.count > 0n ? await nextFreeHost(tx, prefix.vrfId, prefix.id, hosts.first, hosts.last, block.family) : null;
      if (next === null) throw new Problem(409, 'pool_exhausted', `${block.text} has no free host address left`);
      if (input.gateway && next !== hosts.first) {
        throw new Problem(409, 'conflict', `the gateway address ${formatAddress(block.family, hosts.first)} of ${block.text} is already registered`);
      }
      value = next;
    }
    const text = formatAddress(block.family, value);
    const [existing] = await tx.select().from(addresses).where(and(eq(addresses.vrfId, prefix.vrfId), sql`${addresses.address} = ${text}::inet`));
    if (existing) throw new Problem(409, 'conflict', `${text} is already registered (address ${existing.id}, ${existing.hostname || 'no hostname'})`, { existing: { id: String(existing.id) } });
    const [row] = await tx
      .insert(addresses)
      .values({ vrfId: prefix.vrfId, prefixId: prefix.id, address: text, holderCode: holder.code, hostname: input.hostname.replace(/\.$/, '').toLowerCase(), description: input.description, gateway: input.gateway })
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
