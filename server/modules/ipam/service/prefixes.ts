import { and, desc, eq, inArray, like, sql, type SQL } from 'drizzle-orm';
import { mutate, read, writeInOneStatement, type Audit, type Ctx } from '../../../context.js';
import { rows, type Executor, type Tx } from '../../../db/client.js';
import { explainConstraint } from '../../../db/errors.js';
import { decodeCursor, encodeCursor } from '../../../http/paging.js';
import { JsonBytes, JsonText } from '../../../http/json-text.js';
import { idOf } from '../../../http/params.js';
import { invalid, notFound, Problem, ruleViolation } from '../../../http/problem.js';
import { addressCount, cidrOf, familyBits, parseAddress, parseCidr, readStoredCidr, type Cidr } from '../../../net/cidr.js';
import { authorize } from '../../access/authorize.js';
import { unitReadable } from '../../access/scope.js';
import { units, type UnitRow } from '../../divisions/schema.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import { cachedUnit } from '../../divisions/cache.js';
import { decideThenWrite } from '../decide-first.js';
import { delegatingParent } from '../parent-cache.js';
import { allocateBatched, allocateInOneStatement, type AllocationRequest } from '../allocation-batches.js';
import { prefixCursorParts, type AllocateInput, type CreatePrefixInput, type ListPrefixesQuery, type PrefixView, type UpdatePrefixInput } from '../inputs.js';
import { freeBlockContaining, listFree, takeFrom } from '../freespace.js';
import { checkDelegation, defaultStatus } from '../delegation.js';
import { loadPrefix, loadReadablePrefix, loadVrf, prefixReadable } from '../lookup.js';
import { prefixes, type PrefixRow, type PrefixStatus, type VrfRow } from '../schema.js';
import { ListedField, listedFields, listedPrefixColumns, percentOf, prefixFromRaw, prefixJson, prefixView, viewContext, type ListedPrefix, type PrefixJsonParts, type RawPrefix } from '../views.js';
import { vrfMap } from './vrfs.js';

explainConstraint('prefixes_no_overlap', (err) => new Problem(409, 'overlap', `the prefix overlaps an existing prefix: ${pgDetail(err)}`));
explainConstraint('prefixes_inside_parent', (err) => new Problem(422, 'outside_parent', pgMessage(err)));
explainConstraint('prefixes_assigned_is_leaf', (err) => new Problem(422, 'delegation_rule', pgMessage(err)));
explainConstraint('prefix_free_blocks_no_overlap', () => new Problem(409, 'conflict', 'the free space of this prefix changed concurrently; try again'));

function pgMessage(err: unknown): string {
  const e = err as { cause?: { message?: string }; message?: string };
  return e.cause?.message ?? e.message ?? 'refused by the registry';
}
function pgDetail(err: unknown): string {
  const e = err as { cause?: { detail?: string } };
  return e.cause?.detail ?? pgMessage(err);
}

// ---- reading prefixes --------------------------------------------------------------------

/** `cacheKey`: the request's database (not a transaction), under which VRFs are cached. */
export async function viewsOf(db: Executor, rows: PrefixRow[], cacheKey: object = db, known: UnitRow[] = []): Promise<PrefixView[]> {
  const ctx = await viewContext(db, rows, await vrfMap(db, cacheKey, rows.map((r) => r.vrfId)), known, cacheKey);
  return rows.map((r) => prefixView(r, ctx));
}

export async function getPrefix(ctx: Ctx, id: string): Promise<PrefixView> {
  authorize(ctx, 'prefix.read');
  return read(async () => (await viewsOf(ctx.db, [await loadReadablePrefix(ctx, id)], ctx.db))[0]);
}

type PrefixPage = JsonText<{ items: PrefixView[]; nextCursor: string | null }>;

/**
 * A page of prefixes as the response body itself (issue 14), sent by the route as it is
 * (JsonText). One indexed keyset select of the page's rows (limit + 1 tell whether a next page
 * exists), then each item's JSON by prefixJson() from the listed row (views.ts ListedPrefix) — no
 * view objects, no JSON.stringify of the page.
 * `cacheKey`: the request's database, under which VRFs and units are cached.
 */
async function pageOfPrefixes(db: Executor, cacheKey: object, conditions: (SQL | undefined)[], limit: number, cursor?: string): Promise<{ page: PrefixPage; count: number }> {
  if (cursor) {
    const [vrfId, prefix, id] = decodeCursor(cursor, ...prefixCursorParts);
    conditions.push(sql`(${prefixes.vrfId}, ${prefixes.prefix}, ${prefixes.id}) > (${vrfId}, ${prefix}::cidr, ${id})`);
  }
  // ORDER BY names the table's cidr column (the select list has no column of that name).
  const found = await rows<ListedPrefix>(
    db,
    sql`SELECT ${listedPrefixColumns} FROM prefixes WHERE ${and(...conditions) ?? sql`TRUE`}
        ORDER BY prefixes.vrf_id, prefixes.prefix, prefixes.id LIMIT ${limit + 1}`,
  );
  const more = found.length > limit;
  const shown = more ? found.slice(0, limit) : found;
  const fields = shown.map(listedFields);
  // The page's distinct VRFs and holders (a handful among 1,000 rows), for the caches.
  const vrfIds = new Set<number>();
  const holders = new Map<string, { vrfId: number; holderCode: string }>();
  for (let i = 0; i < shown.length; i++) {
    const vrfId = Number(fields[i][ListedField.vrfId]);
    vrfIds.add(vrfId);
    const holderCode = shown[i].holder_code;
    if (!holders.has(holderCode)) holders.set(holderCode, { vrfId, holderCode });
  }
  const view = await viewContext(db, [...holders.values()], await vrfMap(db, cacheKey, [...vrfIds]), [], cacheKey);
  const parts: PrefixJsonParts = { vrfs: new Map(), holders: new Map() };
  // ~360 bytes an item: one buffer, no regrowth.
  const body = new JsonBytes(512 * (shown.length + 1));
  body.push('{"items":[');
  for (let i = 0; i < shown.length; i++) {
    const item = prefixJson(shown[i], fields[i], view, parts);
    body.push(i ? `,${item}` : item);
  }
  // The cursor holds the cidr as PostgreSQL prints it (read back with ::cidr), as before.
  const last = fields[fields.length - 1];
  const nextCursor = more ? encodeCursor(Number(last[ListedField.vrfId]), last[ListedField.prefix], Number(last[ListedField.id])) : null;
  body.push(`],"nextCursor":${JSON.stringify(nextCursor)}}`);
  return { page: new JsonText(body.finish()), count: shown.length };
}

export async function listPrefixes(ctx: Ctx, query: ListPrefixesQuery) {
  authorize(ctx, 'prefix.read');
  const cidr = query.cidr ? parseCidr(query.cidr) : undefined;
  const within = query.within ? parseCidr(query.within) : undefined;
  const contains = query.contains ? (query.contains.includes('/') ? parseCidr(query.contains).text : parseAddress(query.contains).text) : undefined;
  return read(async () => {
    const conditions: (SQL | undefined)[] = [];
    if (query.vrf) conditions.push(eq(prefixes.vrfId, (await loadVrf(ctx.db, query.vrf, ctx.db)).id));
    if (query.holder) conditions.push(eq(prefixes.holderCode, query.holder));
    if (query.holderWithin) {
      const scope = await loadUnit(ctx.db, query.holderWithin);
      conditions.push(inArray(prefixes.holderCode, ctx.db.select({ code: units.code }).from(units).where(like(units.path, `${scope.path}%`))));
    }
    if (query.status) conditions.push(eq(prefixes.status, query.status));
    if (query.family) conditions.push(eq(prefixes.family, Number(query.family)));
    if (cidr) conditions.push(sql`${prefixes.prefix} = ${cidr.text}::cidr`);
    if (within) conditions.push(sql`${prefixes.prefix} <<= ${within.text}::cidr`);
    if (contains) conditions.push(sql`${prefixes.prefix} >>= ${contains}::inet`);
    conditions.push(prefixReadable(ctx));
    return (await pageOfPrefixes(ctx.db, ctx.db, conditions, query.limit, query.cursor)).page;
  });
}

export async function listChildren(ctx: Ctx, id: string, page: { limit: number; cursor?: string }) {
  authorize(ctx, 'prefix.read');
  const parentId = idOf(id, 'prefix');
  return read(async () => {
    // The parent's check rides in the page's statement (an uncorrelated EXISTS, run once): one
    // round trip and no drizzle build per page instead of two. Only an empty page asks whether
    // the parent is missing or unreadable (404, as before) or just childless.
    const readable = prefixReadable(ctx);
    const parentReadable = readable && sql`EXISTS (SELECT 1 FROM ${prefixes} WHERE ${prefixes.id} = ${parentId} AND ${readable})`;
    const found = await pageOfPrefixes(ctx.db, ctx.db, [eq(prefixes.parentId, parentId), parentReadable, readable], page.limit, page.cursor);
    if (found.count === 0) await loadReadablePrefix(ctx, parentId);
    return found.page;
  });
}

/** Free blocks: the largest aligned ones, or those of the asked length (enumerated inside them). */
export async function listAvailable(ctx: Ctx, id: string, query: { prefixLength?: number; limit: number }) {
  authorize(ctx, 'prefix.read');
  return read(async () => {
    const parent = await loadReadablePrefix(ctx, id);
    const parentCidr = readStoredCidr(parent.prefix);
    if (parent.status === 'assigned') {
      throw ruleViolation('delegation_rule', `${parentCidr.text} is assigned: it holds addresses, not prefixes`);
    }
    const length = query.prefixLength;
    if (length !== undefined) checkChildLength(parentCidr, length);
    const free = await listFree(ctx.db, parent.id, query.limit, length);
    const items: { cidr: string; addresses: string }[] = [];
    for (const block of free) {
      if (length === undefined) {
        items.push({ cidr: block.text, addresses: addressCount(block).toString() });
        continue;
      }
      const step = 1n << BigInt(familyBits(block.family) - length);
      const end = block.network + addressCount(block);
      for (let n = block.network; n < end && items.length < query.limit; n += step) {
        const sub = cidrOf(block.family, n, length);
        items.push({ cidr: sub.text, addresses: step.toString() });
      }
      if (items.length >= query.limit) break;
    }
    return { items, nextCursor: null };
  });
}

function checkChildLength(parent: Cidr, length: number): void {
  const bits = familyBits(parent.family);
  if (length <= parent.length || length > bits) {
    throw invalid(`prefixLength must be longer than the parent's /${parent.length} and at most /${bits} for IPv${parent.family}`, { field: 'prefixLength' });
  }
}

// ---- writing prefixes --------------------------------------------------------------------

/** Locks the parent and everything needed to delegate from it, after checking who acts. */
async function openParent(ctx: Ctx, tx: Tx, parent: PrefixRow): Promise<UnitRow> {
  const holder = await loadUnit(tx, parent.holderCode);
  authorize(ctx, 'prefix.delegate', { unit: holder });
  return holder;
}

async function bumpUsage(tx: Tx, parent: PrefixRow, addresses: bigint, children: number, now: Date): Promise<void> {
  await tx
    .update(prefixes)
    .set({
      usedAddresses: sql`${prefixes.usedAddresses} + ${addresses.toString()}::numeric`,
      childCount: sql`${prefixes.childCount} + ${children}`,
      updatedAt: now,
    })
    .where(eq(prefixes.id, parent.id));
}

async function insertChild(tx: Tx, parent: PrefixRow, block: Cidr, holder: string, status: PrefixStatus, description: string): Promise<PrefixRow> {
  const [row] = await tx
    .insert(prefixes)
    .values({
      vrfId: parent.vrfId,
      parentId: parent.id,
      family: block.family,
      prefix: block.text,
      status,
      holderCode: holder,
      description,
      totalAddresses: addressCount(block).toString(),
    })
    .returning();
  return row;
}

/**
 * A root pool (admin) or an explicit child whose parent is the smallest existing prefix that
 * contains it. The one function behind POST /prefixes and every row of an import.
 */
export async function registerPrefix(ctx: Ctx, tx: Tx, audit: Audit, input: CreatePrefixInput): Promise<PrefixRow> {
  const block = parseCidr(input.cidr);
  const vrf = await loadVrf(tx, input.vrf);
  const [parent] = await tx
    .select()
    .from(prefixes)
    .where(and(eq(prefixes.vrfId, vrf.id), sql`${prefixes.prefix} >>= ${block.text}::cidr`))
    .orderBy(desc(sql`masklen(${prefixes.prefix})`))
    .limit(1)
    .for('update');
  const recipient = await loadUnit(tx, input.holder);

  if (!parent) {
    authorize(ctx, 'prefix.create-pool');
    if (input.status && input.status !== 'pool') {
      throw ruleViolation('outside_parent', `${block.text} lies in no registered prefix of VRF ${vrf.name}: only a root pool can stand there (status pool)`);
    }
    assertActive(recipient);
    if (recipient.kind !== 'division') throw ruleViolation('rule_violation', 'root pools are held by divisions (their O&M units)');
    const [overlapping] = await tx.select().from(prefixes).where(and(eq(prefixes.vrfId, vrf.id), sql`${prefixes.prefix} && ${block.text}::cidr`)).limit(1);
    if (overlapping) {
      throw new Problem(409, 'overlap', `${block.text} overlaps ${readStoredCidr(overlapping.prefix).text} (prefix ${overlapping.id}) in VRF ${vrf.name}; a root pool cannot contain registered prefixes`, {
        existing: { id: String(overlapping.id), cidr: readStoredCidr(overlapping.prefix).text },
      });
    }
    const [row] = await tx
      .insert(prefixes)
      .values({ vrfId: vrf.id, parentId: null, family: block.family, prefix: block.text, status: 'pool', holderCode: recipient.code, description: input.description, totalAddresses: addressCount(block).toString() })
      .returning();
    await audit({ action: 'prefix.create', objectType: 'prefix', objectId: String(row.id), after: auditShape(row, vrf) });
    return row;
  }

  const parentCidr = readStoredCidr(parent.prefix);
  if (parentCidr.length === block.length) {
    throw new Problem(409, 'overlap', `${block.text} is already registered in VRF ${vrf.name} (prefix ${parent.id})`, { existing: { id: String(parent.id), cidr: parentCidr.text } });
  }
  const parentHolder = await openParent(ctx, tx, parent);
  if (input.status === 'pool') {
    throw ruleViolation('delegation_rule', `${block.text} lies inside ${parentCidr.text}: a pool is a root prefix; give a status allocated, assigned or reserved`);
  }
  const status = input.status ?? defaultStatus(parentHolder, recipient);
  checkDelegation(parent, parentHolder, recipient, status);
  const from = await freeBlockContaining(tx, parent, block);
  if (!from) {
    const [sibling] = await tx.select().from(prefixes).where(and(eq(prefixes.parentId, parent.id), sql`${prefixes.prefix} && ${block.text}::cidr`)).limit(1);
    const what = sibling ? `${readStoredCidr(sibling.prefix).text} (prefix ${sibling.id}, held by ${sibling.holderCode})` : 'a registered prefix';
    throw new Problem(409, 'overlap', `${block.text} overlaps ${what} inside ${parentCidr.text}`, sibling ? { existing: { id: String(sibling.id), cidr: readStoredCidr(sibling.prefix).text } } : {});
  }
  await takeFrom(tx, parent, from, block);
  const row = await insertChild(tx, parent, block, recipient.code, status, input.description);
  await bumpUsage(tx, parent, addressCount(block), 1, ctx.now());
  await audit({ action: `prefix.${verbFor(status)}`, objectType: 'prefix', objectId: String(row.id), after: auditShape(row, vrf) });
  return row;
}

const verbFor = (status: PrefixStatus) => (status === 'allocated' ? 'allocate' : status === 'assigned' ? 'assign' : 'reserve');

function auditShape(row: PrefixRow, vrf: VrfRow) {
  return { id: String(row.id), vrf: vrf.name, cidr: readStoredCidr(row.prefix).text, status: row.status, holder: row.holderCode, parentId: row.parentId === null ? null : String(row.parentId), description: row.description };
}

export async function createPrefix(ctx: Ctx, input: CreatePrefixInput): Promise<PrefixView> {
  parseCidr(input.cidr);
  return mutate(ctx, async (tx, audit) => (await viewsOf(tx, [await registerPrefix(ctx, tx, audit, input)], ctx.db))[0]);
}

/**
 * The next free aligned block(s) under a parent, by strategy. Locks only the parent row, and
 * only while one statement runs, so allocations under different parents run in parallel and
 * those under one parent queue briefly; `count` blocks come all or none.
 */
export async function allocate(ctx: Ctx, parentId: string, input: AllocateInput): Promise<PrefixView[]> {
  return writeInOneStatement(ctx, async (db) => {
    const { created, recipient } = await allocateIn(ctx, db, parentId, input);
    return viewsOf(db, created, ctx.db, [recipient]);
  });
}

/**
 * The allocation: POST /prefixes/{id}/allocate calls it outside any transaction (the function
 * call below is then the one autocommitted statement of the request), and the approval of an
 * `ip` application inside its own, so an approval whose allocation fails rolls back whole.
 *
 * Decide first, then write (migration 0019, waiwang_allocate_prefixes): who acts and article
 * 21's relationships are decided on the parent and the units as the caches have them; the
 * function locks the parent and writes the blocks, the parent's utilization and the audit
 * entries only if the locked rows still say the same, else it writes nothing and answers
 * `stale`, and the verb decides again on rows read afresh from the database.
 */
export async function allocateIn(ctx: Ctx, db: Executor, parentId: string, input: AllocateInput): Promise<{ created: PrefixRow[]; recipient: UnitRow }> {
  const id = idOf(parentId, 'prefix');
  return decideThenWrite<{ parent: PrefixRow; parentHolder: UnitRow; recipient: UnitRow }, { created: PrefixRow[]; recipient: UnitRow }>(
    ctx.db,
    async (fresh) => {
      const unit = (code: string) => (fresh ? loadUnit(db, code) : cachedUnit(db, code, ctx.db));
      const parent = await delegatingParent(db, ctx.db, id, fresh);
      if (!parent) throw notFound(`prefix ${parentId}`);
      const parentHolder = (await unit(parent.holderCode))!;
      authorize(ctx, 'prefix.delegate', { unit: parentHolder });
      const recipient = await unit(input.holder);
      if (!recipient) throw notFound(`unit ${input.holder}`);
      checkChildLength(readStoredCidr(parent.prefix), input.prefixLength);
      checkDelegation(parent, parentHolder, recipient, input.status);
      return { parent, parentHolder, recipient };
    },
    async ({ parent, parentHolder, recipient }) => {
      const vrf = (await vrfMap(db, ctx.db, [parent.vrfId])).get(parent.vrfId)!;
      const request: AllocationRequest = {
        parent: id, length: input.prefixLength, strategy: input.strategy, count: input.count, holder: recipient.code, status: input.status,
        description: input.description, at: ctx.now().toISOString(),
        parent_holder: parent.holderCode, parent_status: parent.status, holder_path: parentHolder.path, recipient_path: recipient.path, recipient_kind: recipient.kind,
        actor: ctx.actor.username, request_id: ctx.requestId ?? null, vrf: vrf.name, action: `prefix.${verbFor(input.status)}`,
      };
      // Outside a transaction the request may share its statement with others (group commit);
      // inside one (an approval) it runs in that transaction.
      const result = db === ctx.db ? await allocateBatched(ctx.db, request) : (await allocateInOneStatement(db, [request]))[0];
      if (result.stale) return { stale: result.stale };
      if (!result.created) {
        const room = result.room ?? 0;
        throw new Problem(409, 'pool_exhausted', `${readStoredCidr(parent.prefix).text} has no free /${input.prefixLength} left${input.count > 1 ? ` for block ${room + 1} of ${input.count} (nothing was allocated)` : ''}`, {
          free: (result.free ?? []).map((b) => readStoredCidr(b).text),
        });
      }
      return { created: result.created.map(prefixFromRaw), recipient };
    },
    (attempts) => `prefix ${parentId} or the units it is delegated between changed ${attempts} times while allocating; try again`,
  );
}

export async function updatePrefix(ctx: Ctx, id: string, input: UpdatePrefixInput): Promise<PrefixView> {
  return mutate(ctx, async (tx, audit) => {
    const before = await loadPrefix(tx, id, { forUpdate: true });
    const vrf = (await vrfMap(tx, ctx.db, [before.vrfId])).get(before.vrfId)!;
    const changes: Partial<PrefixRow> = { updatedAt: ctx.now() };
    if (before.parentId === null) {
      authorize(ctx, 'prefix.create-pool');
      if (input.status && input.status !== before.status) throw ruleViolation('delegation_rule', 'a root pool keeps the status pool');
    } else {
      const parent = await loadPrefix(tx, before.parentId);
      const parentHolder = await loadUnit(tx, parent.holderCode);
      authorize(ctx, 'prefix.update', { unit: parentHolder });
      if (input.status && input.status !== before.status) {
        checkDelegation(parent, parentHolder, await loadUnit(tx, before.holderCode), input.status);
        if (input.status === 'assigned' && before.childCount > 0) throw new Problem(409, 'in_use', `${readStoredCidr(before.prefix).text} has ${before.childCount} delegations; an assigned prefix holds only addresses`);
        if (before.status === 'assigned' && before.addressCount > 0) throw new Problem(409, 'in_use', `${readStoredCidr(before.prefix).text} holds ${before.addressCount} addresses; release them first`);
        changes.status = input.status;
        // An assigned prefix holds no children, and one with none keeps no free-block rows
        // (freespace.ts): moving out of `assigned` leaves it free whole, by rule.
      }
    }
    if (input.description !== undefined) changes.description = input.description;
    const [row] = await tx.update(prefixes).set(changes).where(eq(prefixes.id, before.id)).returning();
    await audit({ action: 'prefix.update', objectType: 'prefix', objectId: String(row.id), before: auditShape(before, vrf), after: auditShape(row, vrf) });
    return (await viewsOf(tx, [row], ctx.db))[0];
  });
}

/**
 * Releases a prefix with nothing inside; its space returns to the parent's free space, merged.
 * Decide first, then write (decide-first.ts; migration 0021, waiwang_reclaim_checked): who may
 * reclaim is decided on the prefix and its parent's holder as the caches have them; the
 * function locks the parent, then the prefix, and deletes, merges the free buddies, bumps the
 * parent and writes the audit entry only if they still say the same. Whether the prefix still
 * holds anything is answered by the function, under the locks (409 in_use).
 */
export async function reclaimPrefix(ctx: Ctx, id: string): Promise<void> {
  const n = idOf(id, 'prefix');
  await writeInOneStatement(ctx, (db) =>
    decideThenWrite<{ row: PrefixRow; parent?: PrefixRow; parentHolder?: UnitRow }, void>(
      ctx.db,
      async (fresh) => {
        const row = await delegatingParent(db, ctx.db, n, fresh);
        if (!row) throw notFound(`prefix ${id}`);
        if (row.parentId === null) {
          authorize(ctx, 'prefix.create-pool');
          return { row };
        }
        // A parent cannot go while it has this child (its child_count and the foreign key).
        const parent = (await delegatingParent(db, ctx.db, row.parentId, fresh))!;
        const parentHolder = (fresh ? await loadUnit(db, parent.holderCode) : await cachedUnit(db, parent.holderCode, ctx.db))!;
        authorize(ctx, 'prefix.reclaim', { unit: parentHolder });
        return { row, parent, parentHolder };
      },
      async ({ row, parent, parentHolder }) => {
        const vrf = (await vrfMap(db, ctx.db, [row.vrfId])).get(row.vrfId)!;
        const request = {
          prefix: n, parent: row.parentId, parent_holder: parent?.holderCode ?? null, holder_path: parentHolder?.path ?? null, at: ctx.now().toISOString(),
          actor: ctx.actor.username, request_id: ctx.requestId ?? null, vrf: vrf.name,
        };
        const [{ r }] = await rows<{ r: ReclaimResult | string }>(db, sql`SELECT waiwang_reclaim_checked(${JSON.stringify(request)}::jsonb) AS r`);
        const result: ReclaimResult = typeof r === 'string' ? JSON.parse(r) : r;
        if (result.stale) return { stale: result.stale };
        if (!result.deleted) {
          const held = prefixFromRaw(result.row!);
          const inside = (result.inside ?? []).map((p) => readStoredCidr(p).text);
          const what = held.childCount > 0 ? `${held.childCount} delegated prefixes (${inside.join(', ')}${held.childCount > 5 ? ', …' : ''})` : `${held.addressCount} registered addresses`;
          throw new Problem(409, 'in_use', `${readStoredCidr(held.prefix).text} still holds ${what}: reclaim or release them first`, { children: held.childCount, addresses: held.addressCount });
        }
      },
      (attempts) => `prefix ${id} or its parent changed ${attempts} times while reclaiming; try again`,
    ),
  );
}

/** What waiwang_reclaim_checked returns. */
interface ReclaimResult {
  /** What changed since the verb decided: nothing was written. */
  stale?: 'parent' | 'prefix' | 'units';
  deleted?: boolean;
  /** Not deleted: the prefix as it is, and its first children. */
  row?: RawPrefix;
  inside?: string[];
}

/** Utilization summed over what a holder holds, per family. */
export async function holderUtilization(ctx: Ctx, code: string) {
  authorize(ctx, 'prefix.read');
  return read(async () => {
    const holder = await cachedUnit(ctx.db, code);
    if (!holder || !unitReadable(ctx, holder)) throw notFound(`unit ${code}`);
    const sums = await ctx.db
      .select({ family: prefixes.family, used: sql<string>`sum(${prefixes.usedAddresses})::text`, total: sql<string>`sum(${prefixes.totalAddresses})::text`, n: sql<number>`count(*)::int` })
      .from(prefixes)
      .where(eq(prefixes.holderCode, holder.code))
      .groupBy(prefixes.family);
    const of = (family: number) => {
      const s = sums.find((x) => Number(x.family) === family);
      const used = BigInt(s?.used ?? '0');
      const total = BigInt(s?.total ?? '0');
      return { percent: percentOf(used, total), usedAddresses: used.toString(), totalAddresses: total.toString(), prefixes: Number(s?.n ?? 0) };
    };
    return { holder: { code: holder.code, name: holder.name }, ipv4: of(4), ipv6: of(6) };
  });
}

