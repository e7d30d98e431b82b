import fs from 'node:fs';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { mutate } from '../../server/context.js';
import { rows } from '../../server/db/client.js';
import { sqlState } from '../../server/db/errors.js';
import { Problem } from '../../server/http/problem.js';
import { entryHash, nextChain, type EntryContent, type HashAlgorithm } from '../../server/modules/audit/chain.js';
import { readAnchors, sealLockKey, Sealer } from '../../server/modules/audit/sealer.js';
import { verifyChain } from '../../server/modules/audit/verify.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

interface SealedEntry {
  position: number;
  entryId: number;
}

async function sealed(t: TestApp): Promise<SealedEntry[]> {
  const found = await rows<{ position: string | number; entry_id: string | number }>(t.database.db, sql`SELECT position, entry_id FROM audit_seals ORDER BY position`);
  return found.map((r) => ({ position: Number(r.position), entryId: Number(r.entry_id) }));
}

async function verify(t: TestApp) {
  const reply = await t.call('GET', '/api/v1/audit/verify');
  expect(reply.status).toBe(200);
  return reply.body as {
    ok: boolean;
    entries: number;
    sealed: number;
    unsealed: number;
    head: string | null;
    firstBroken: { position: number; entryId: number | null; reason: string; detail: string } | null;
    anchorProblem: { line: number; kind: string; detail: string } | null;
    unsealedOverdue: { count: number; oldestEntryId: number; oldestAt: string; detail: string } | null;
  };
}

const systemActor = { userId: 1, username: 'admin', role: 'admin' as const, unitCode: '450000', unitPath: '/450000/' };

/** One audit entry written as a verb would, at the given clock. */
async function writeEntry(t: TestApp, at: Date, requestId: string, during?: () => Promise<void>): Promise<void> {
  const ctx = { db: t.database.db, actor: systemActor, now: () => at, config: t.config, requestId };
  await mutate(ctx, async (_tx, audit) => {
    await audit({ action: 'department.update', objectType: 'unit', objectId: '450100', after: { note: requestId } });
    await during?.();
  });
}

async function entryIdOf(t: TestApp, requestId: string): Promise<number> {
  const [row] = await rows<{ id: string | number }>(t.database.db, sql`SELECT id FROM audit_entries WHERE request_id = ${requestId}`);
  return Number(row.id);
}

/** What someone with the database's superuser could do: switch the append-only triggers off for a moment. */
async function asSuperuser(t: TestApp, statements: SQL[]): Promise<void> {
  await t.database.db.transaction(async (tx) => {
    await tx.execute(sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`);
    await tx.execute(sql`ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_append_only`);
    for (const statement of statements) await tx.execute(statement);
    await tx.execute(sql`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only`);
    await tx.execute(sql`ALTER TABLE audit_seals ENABLE TRIGGER audit_seals_append_only`);
  });
}

let departments = 0;
/** Creates a department through the API: one audit entry. */
async function createDepartment(t: TestApp, parent = '450100'): Promise<string> {
  const code = `AUDIT-${process.pid}-${++departments}`;
  const reply = await t.call('POST', '/api/v1/units', { body: { code, name: `审计测试单位 ${departments}`, parent, kind: 'department' } });
  expect(reply.status, reply.text).toBe(201);
  return code;
}

/**
 * A registry whose bootstrap entries are sealed, followed by `count` department creations,
 * each sealed in a pass (and anchored) of its own, so an anchor pins every entry exactly.
 */
async function sealedOneByOne(t: TestApp, count: number): Promise<SealedEntry[]> {
  await t.sealer.pass();
  const before = (await sealed(t)).length;
  for (let i = 0; i < count; i++) {
    await createDepartment(t);
    const pass = await t.sealer.pass();
    expect(pass?.sealed).toBe(1);
  }
  const all = await sealed(t);
  expect(all).toHaveLength(before + count);
  expect(readAnchors(t.config.auditAnchorPath).slice(-count).map((a) => [a.from, a.position])).toEqual(
    all.slice(before).map((s) => [s.position, s.position]),
  );
  return all.slice(before);
}

describe.each(backends)('the audit trail on %s', (backend) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('writes an entry inside the mutation’s transaction: a failed mutation leaves none', async () => {
    t = await startTestApp(backend);
    const app = t;
    const code = await createDepartment(app);
    const [entry] = (await app.call('GET', `/api/v1/audit?object=unit:${code}`)).body.items;
    expect(entry).toMatchObject({ actor: 'admin', action: 'department.create', objectType: 'unit', objectId: code, before: null, after: { code, kind: 'department' } });
    expect(entry.hash).toMatch(/^sm3:[0-9a-f]{64}$/);

    const entries = await countRows(app, 'audit_entries');
    const duplicate = await app.call('POST', '/api/v1/units', { body: { code, name: '重复', parent: '450100', kind: 'department' } });
    expect(duplicate.status).toBe(409);
    expect(await countRows(app, 'audit_entries')).toBe(entries);

    // The entry is written before the work fails: it must vanish with the transaction.
    const ctx = { db: app.database.db, actor: { userId: 1, username: 'admin', role: 'admin' as const, unitCode: '450000', unitPath: '/450000/' }, now: () => new Date(), config: app.config, requestId: 'rollback-test' };
    let inside = 0;
    await expect(
      mutate(ctx, async (tx, audit) => {
        await audit({ action: 'department.update', objectType: 'unit', objectId: code, after: { name: 'never' } });
        inside = Number((await rows<{ n: string | number }>(tx, sql`SELECT count(*) AS n FROM audit_entries`))[0].n);
        throw new Problem(422, 'rule_violation', 'refused after the audit row was written');
      }),
    ).rejects.toMatchObject({ status: 422 });
    expect(inside).toBe(entries + 1);
    expect(await countRows(app, 'audit_entries')).toBe(entries);
    await expect(
      mutate(ctx, async (tx, audit) => {
        await audit({ action: 'department.create', objectType: 'unit', objectId: code });
        await tx.execute(sql`INSERT INTO users (username, display_name, unit_code, role) VALUES ('admin', 'a second admin', '450000', 'admin')`);
      }),
    ).rejects.toMatchObject({ status: 409, code: 'conflict' });
    expect(await countRows(app, 'audit_entries')).toBe(entries);
  });

  it('carries the request id and the before and after of a change', async () => {
    t = await startTestApp(backend);
    const code = await createDepartment(t);
    const renamed = await t.call('PATCH', `/api/v1/units/${code}`, { body: { name: '新名字' }, headers: { 'x-request-id': 'audit-req-0001' } });
    expect(renamed.status).toBe(200);
    const [entry] = (await t.call('GET', `/api/v1/audit?object=unit:${code}&action=department.update`)).body.items;
    expect(entry).toMatchObject({ requestId: 'audit-req-0001', before: { name: '审计测试单位 ' + departments }, after: { name: '新名字' } });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit rows (42501)', async () => {
    t = await startTestApp(backend);
    await createDepartment(t);
    await t.sealer.pass();
    const entries = await countRows(t, 'audit_entries');
    for (const statement of [
      sql`UPDATE audit_entries SET actor = 'someone-else'`,
      sql`DELETE FROM audit_entries`,
      sql`TRUNCATE audit_entries CASCADE`,
      sql`UPDATE audit_seals SET chain = 'x'`,
      sql`DELETE FROM audit_seals`,
    ]) {
      const failure = await t.database.db.execute(statement).then(
        () => null,
        (err: unknown) => err,
      );
      expect(sqlState(failure)).toBe('42501');
    }
    expect(await countRows(t, 'audit_entries')).toBe(entries);
    expect((await verify(t)).ok).toBe(true);
  });

  it('seals committed entries, anchors the head outside the database, and verifies', async () => {
    t = await startTestApp(backend);
    for (let i = 0; i < 3; i++) await createDepartment(t);
    // A minute on, entries still unsealed are a problem of their own (the sealer is not running).
    t.clock.now = new Date(t.clock.now.getTime() + 61_000);
    const before = await verify(t);
    expect(before).toMatchObject({ ok: false, sealed: 0, firstBroken: null, anchorProblem: null, head: null });
    expect(before.unsealed).toBe(before.entries);
    expect(before.unsealedOverdue?.count).toBe(before.entries);
    const pass = await t.sealer.pass();
    expect(pass?.sealed).toBe(before.entries);
    const after = await verify(t);
    expect(after).toMatchObject({ ok: true, entries: before.entries, sealed: before.entries, unsealed: 0, firstBroken: null, unsealedOverdue: null, head: pass!.head });
    expect(after.head).toMatch(/^sm3:[0-9a-f]{64}$/);
    expect(readAnchors(t.config.auditAnchorPath)).toEqual([expect.objectContaining({ position: before.entries, head: pass!.head, from: 1 })]);
    // Nothing new: a pass seals nothing and anchors nothing.
    expect((await t.sealer.pass())?.sealed).toBe(0);
    expect(readAnchors(t.config.auditAnchorPath)).toHaveLength(1);
    const positions = (await sealed(t)).map((s) => s.position);
    expect(positions).toEqual(Array.from({ length: positions.length }, (_, i) => i + 1));
  });

  it('names an altered entry', async () => {
    t = await startTestApp(backend);
    const mine = await sealedOneByOne(t, 4);
    const victim = mine[2];
    await asSuperuser(t, [sql`UPDATE audit_entries SET after = jsonb_set(after, '{name}', '"篡改后的名称"') WHERE id = ${victim.entryId}`]);
    const result = await verify(t);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ entryId: victim.entryId, position: victim.position, reason: 'altered' });
  });

  it('an allocation’s entries, written inside its database function without a hash, are hashed when sealed, listed with that hash before and after, and checked like any other', async () => {
    t = await startTestApp(backend);
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.0.0.0/8', holder: '450000' } });
    const city = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 16, holder: '450100', status: 'allocated' }, headers: { 'x-request-id': 'alloc-audit-1' } });
    expect(city.status, city.text).toBe(201);
    const [stored] = await rows<{ id: string | number; hash: string | null }>(t.database.db, sql`SELECT id, hash FROM audit_entries WHERE object_type = 'prefix' AND object_id = ${city.body.id}`);
    expect(stored.hash).toBeNull();
    const listed = async () => (await t!.call('GET', `/api/v1/audit?object=prefix:${city.body.id}`)).body.items;
    const [before] = await listed();
    expect(before).toMatchObject({
      id: String(stored.id), actor: 'admin', action: 'prefix.allocate', objectType: 'prefix', objectId: city.body.id, before: null, requestId: 'alloc-audit-1',
      after: { id: city.body.id, vrf: 'public', cidr: '10.0.0.0/16', status: 'allocated', holder: '450100', parentId: pool.body.id, description: '' },
    });
    expect(before.hash).toMatch(/^sm3:[0-9a-f]{64}$/);
    // The hash is the one a writer in Node would have computed over the same content.
    const content: EntryContent = { id: Number(stored.id), at: before.at, actor: 'admin', action: 'prefix.allocate', objectType: 'prefix', objectId: city.body.id, before: null, after: before.after, requestId: 'alloc-audit-1' };
    expect(before.hash).toBe(entryHash('sm3', content));
    await t.sealer.pass();
    const [seal] = await rows<{ entry_hash: string | null }>(t.database.db, sql`SELECT entry_hash FROM audit_seals WHERE entry_id = ${stored.id}`);
    expect(seal.entry_hash).toBe(before.hash);
    expect((await listed())[0].hash).toBe(before.hash);
    expect((await verify(t)).ok).toBe(true);
    // Altered after sealing: named like any altered entry.
    await asSuperuser(t, [sql`UPDATE audit_entries SET after = jsonb_set(after, '{holder}', '"450200"') WHERE id = ${stored.id}`]);
    const result = await verify(t);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ entryId: Number(stored.id), reason: 'altered' });
  });

  it('names a deleted entry', async () => {
    t = await startTestApp(backend);
    const mine = await sealedOneByOne(t, 4);
    const victim = mine[1];
    await asSuperuser(t, [sql`DELETE FROM audit_entries WHERE id = ${victim.entryId}`]);
    const result = await verify(t);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ entryId: victim.entryId, position: victim.position, reason: 'deleted' });
    expect(result.entries).toBe(result.sealed - 1);
  });

  it('names reordered entries', async () => {
    t = await startTestApp(backend);
    const mine = await sealedOneByOne(t, 4);
    const [a, b] = [mine[1], mine[3]];
    await asSuperuser(t, [
      sql`UPDATE audit_seals SET entry_id = -1 WHERE position = ${a.position}`,
      sql`UPDATE audit_seals SET entry_id = ${a.entryId} WHERE position = ${b.position}`,
      sql`UPDATE audit_seals SET entry_id = ${b.entryId} WHERE position = ${a.position}`,
    ]);
    const result = await verify(t);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ position: a.position, entryId: b.entryId, reason: 'reordered' });
  });

  it('names the first entry of a consistently rewritten tail through the anchors', async () => {
    t = await startTestApp(backend);
    const mine = await sealedOneByOne(t, 5);
    const victim = mine[2];
    await rewriteTail(t, victim);
    // The database alone agrees with itself now: only the anchors outside it tell.
    const inside = await verifyChain(t.database.db, path.join(t.config.dataDir, 'no-anchors.log'));
    expect(inside).toMatchObject({ ok: true, firstBroken: null });
    const result = await verify(t);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ position: victim.position, entryId: victim.entryId, reason: 'anchor_mismatch' });
    expect(result.firstBroken!.detail).toContain(`position ${victim.position}`);
  });

  it('notices anchored positions that the database no longer has', async () => {
    t = await startTestApp(backend);
    const mine = await sealedOneByOne(t, 3);
    const last = mine[2];
    await asSuperuser(t, [sql`DELETE FROM audit_seals WHERE position = ${last.position}`, sql`DELETE FROM audit_entries WHERE id = ${last.entryId}`]);
    const result = await verify(t);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ position: last.position, reason: 'deleted' });
  });

  it('answers ok:false naming a damaged anchor line, never 500', async () => {
    t = await startTestApp(backend);
    await sealedOneByOne(t, 3);
    const file = t.config.auditAnchorPath;
    const intact = fs.readFileSync(file, 'utf8');
    const lines = intact.split('\n');
    expect(lines.at(-1)).toBe('');
    for (const [line, damaged] of [
      [2, lines[1].replace('{', '#')],
      [3, '{"position":"three","head":null}'],
      [2, ''],
    ] as const) {
      const copy = [...lines];
      copy[line - 1] = damaged;
      fs.writeFileSync(file, copy.join('\n'));
      const result = await verify(t);
      expect(result.ok, damaged).toBe(false);
      expect(result.anchorProblem).toMatchObject({ line, kind: 'damaged' });
      expect(result.anchorProblem!.detail).toContain(`line ${line}`);
      expect(result.firstBroken).toBeNull();
    }
    fs.writeFileSync(file, intact);
    expect(await verify(t)).toMatchObject({ ok: true, anchorProblem: null });
  });

  it('reports a torn last anchor line (a crash mid-append) as such, not as tampering; the next pass repairs it by appending', async () => {
    t = await startTestApp(backend);
    await sealedOneByOne(t, 2);
    const file = t.config.auditAnchorPath;
    const intact = fs.readFileSync(file, 'utf8');
    const complete = intact.split('\n').length - 1;
    const torn = '{"position":99,"head":"sm3:ab';
    fs.appendFileSync(file, torn);
    const result = await verify(t);
    expect(result).toMatchObject({ ok: true, firstBroken: null, anchorProblem: { line: complete + 1, kind: 'torn_tail' } });

    await createDepartment(t);
    expect((await t.sealer.pass())?.sealed).toBe(1);
    // The file is only ever appended to: what was there stays, byte for byte.
    expect(fs.readFileSync(file, 'utf8').startsWith(intact + torn + '\n')).toBe(true);
    const repaired = await verify(t);
    expect(repaired).toMatchObject({ ok: true, firstBroken: null, anchorProblem: null, unsealed: 0 });
    expect(readAnchors(file).at(-1)).toMatchObject({ position: repaired.sealed });
    // The anchors still catch a rewrite after the repair.
    const [last] = (await sealed(t)).slice(-1);
    await asSuperuser(t, [sql`UPDATE audit_seals SET chain = 'sm3:forged' WHERE position = ${last.position}`]);
    expect((await verify(t)).ok).toBe(false);
  });

  it('seals an entry whose clock lags more than 10 minutes behind an earlier pass', async () => {
    t = await startTestApp(backend);
    await createDepartment(t);
    await t.sealer.pass();
    // A transaction that began long ago (a big import), or another server with a slow clock.
    await writeEntry(t, new Date(Date.now() - 20 * 60_000), 'lagging-clock');
    expect((await t.sealer.pass())?.sealed).toBe(1);
    const id = await entryIdOf(t, 'lagging-clock');
    expect((await sealed(t)).map((s) => s.entryId)).toContain(id);
    expect(await verify(t)).toMatchObject({ ok: true, unsealed: 0, unsealedOverdue: null });
  });

  it('reports entries left unsealed for more than a minute as a problem', async () => {
    t = await startTestApp(backend);
    await t.sealer.pass();
    await createDepartment(t);
    const [{ id }] = await rows<{ id: string | number }>(t.database.db, sql`SELECT max(id) AS id FROM audit_entries`);
    expect(await verify(t)).toMatchObject({ ok: true, unsealed: 1, unsealedOverdue: null });
    t.clock.now = new Date(t.clock.now.getTime() + 61_000);
    const late = await verify(t);
    expect(late).toMatchObject({ ok: false, unsealed: 1, firstBroken: null, anchorProblem: null, unsealedOverdue: { count: 1, oldestEntryId: Number(id) } });
    expect(late.unsealedOverdue!.detail).toMatch(/sealer/);
    await t.sealer.pass();
    expect(await verify(t)).toMatchObject({ ok: true, unsealed: 0, unsealedOverdue: null });
  });
});

/**
 * A forger's best effort: alter the entry, recompute its hash and every later link of the chain
 * with the appliance's own functions, so the tables are consistent with each other.
 */
async function rewriteTail(t: TestApp, from: SealedEntry): Promise<void> {
  type Row = { position: string | number; id: string | number; at: Date | string; actor: string; action: string; object_type: string; object_id: string; before: unknown; after: unknown; request_id: string | null; hash: string };
  const tail = await rows<Row>(
    t.database.db,
    sql`SELECT s.position, e.id, e.at, e.actor, e.action, e.object_type, e.object_id, e.before, e.after, e.request_id, e.hash
        FROM audit_seals s JOIN audit_entries e ON e.id = s.entry_id WHERE s.position >= ${from.position} ORDER BY s.position`,
  );
  const [previous] = await rows<{ chain: string }>(t.database.db, sql`SELECT chain FROM audit_seals WHERE position = ${from.position - 1}`);
  let chain = previous.chain;
  const statements: SQL[] = [];
  for (const row of tail) {
    let hash = row.hash;
    if (Number(row.id) === from.entryId) {
      const forged: EntryContent = {
        id: Number(row.id),
        at: new Date(row.at).toISOString(),
        actor: 'someone-else',
        action: row.action,
        objectType: row.object_type,
        objectId: row.object_id,
        before: row.before ?? null,
        after: { ...(row.after as object), name: '伪造' },
        requestId: row.request_id,
      };
      hash = entryHash(row.hash.split(':')[0] as HashAlgorithm, forged);
      statements.push(sql`UPDATE audit_entries SET actor = ${forged.actor}, after = ${JSON.stringify(forged.after)}::jsonb, hash = ${hash} WHERE id = ${forged.id}`);
    }
    chain = nextChain(chain, hash);
    statements.push(sql`UPDATE audit_seals SET chain = ${chain} WHERE position = ${Number(row.position)}`);
  }
  await asSuperuser(t, statements);
}

describe.runIf(backends.includes('postgres'))('the audit trail under concurrent writers on postgres', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('seals 32 parallel writes with two racing sealers, one at a time, into a contiguous verified chain', async () => {
    t = await startTestApp('postgres');
    const app = t;
    const first = new Sealer(app.database.db, app.config.auditAnchorPath);
    const second = new Sealer(app.database.db, app.config.auditAnchorPath);
    first.start(3);
    second.start(5);
    const created = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        app.call('POST', '/api/v1/units', { body: { code: `PAR-${process.pid}-${i}`, name: `并发单位 ${i}`, parent: i % 2 ? '450100' : '450200', kind: 'department' } }),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array(32).fill(201));
    await Promise.all([first.stop(), second.stop()]);
    const racing = await Promise.all([first.pass(), second.pass(), first.pass(), second.pass()]);
    expect(racing.some((r) => r !== null)).toBe(true);

    const all = await sealed(app);
    const entries = await countRows(app, 'audit_entries');
    expect(entries).toBeGreaterThanOrEqual(32 + 2);
    expect(all.map((s) => s.position)).toEqual(Array.from({ length: entries }, (_, i) => i + 1));
    expect(new Set(all.map((s) => s.entryId)).size).toBe(entries);
    const result = await verify(app);
    expect(result).toMatchObject({ ok: true, entries, sealed: entries, unsealed: 0, firstBroken: null });
    const logged = await app.call('GET', '/api/v1/audit?action=department.create&limit=1000');
    expect(logged.body.items).toHaveLength(32);
  });

  it('seals an entry whose transaction took its id before a seal pass and committed after it', async () => {
    t = await startTestApp('postgres');
    const app = t;
    await app.sealer.pass();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    // The long transaction takes the lower id and commits last; its clock is 20 minutes behind too.
    const slow = writeEntry(app, new Date(Date.now() - 20 * 60_000), 'long-import', async () => {
      wrote();
      await held;
    });
    await written;
    const code = await createDepartment(app);
    expect((await app.sealer.pass())?.sealed).toBe(1);
    release();
    await slow;
    const [fast] = (await app.call('GET', `/api/v1/audit?object=unit:${code}`)).body.items;
    const late = await entryIdOf(app, 'long-import');
    expect(late).toBeLessThan(Number(fast.id));
    expect((await app.sealer.pass())?.sealed).toBe(1);
    const positions = new Map((await sealed(app)).map((s) => [s.entryId, s.position]));
    expect(positions.get(late)).toBeGreaterThan(positions.get(Number(fast.id))!);
    expect(await verify(app)).toMatchObject({ ok: true, unsealed: 0, unsealedOverdue: null, firstBroken: null });
  });

  it('lets only one sealer hold the sealing lock', async () => {
    t = await startTestApp('postgres');
    const app = t;
    await createDepartment(app);
    const client = (app.database.db as unknown as { $client: import('postgres').Sql }).$client;
    let releaseLock!: () => void;
    const held = new Promise<void>((resolve) => (releaseLock = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // Another server's sealing pass, in the middle of its transaction on its own connection.
    const otherServer = client.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${sealLockKey})`;
      locked();
      await held;
    });
    await lockTaken;
    const sealer = new Sealer(app.database.db, app.config.auditAnchorPath);
    expect(await sealer.pass()).toBeNull();
    expect((await sealed(app)).length).toBe(0);
    releaseLock();
    await otherServer;
    expect((await sealer.pass())?.sealed).toBe(await countRows(app, 'audit_entries'));
    expect(fs.existsSync(app.config.auditAnchorPath)).toBe(true);
    expect((await verify(app)).ok).toBe(true);
  });
});
