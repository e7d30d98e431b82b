import { and, asc, eq, gt, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Actor, Ctx } from '../../context.js';
import { mutate, read } from '../../context.js';
import { batchesPerDatabase, StatementBatches } from '../../db/batches.js';
import type { Executor } from '../../db/client.js';
import { keysetPage, type Page } from '../../http/paging.js';
import { conflict, forbidden, invalid, notFound, ruleViolation } from '../../http/problem.js';
import { units } from '../divisions/schema.js';
import { assertActive, loadUnit } from '../divisions/service.js';
import { authorize } from './authorize.js';
import { unitInScope } from './scope.js';
import type { ChangePasswordInput, CreateTokenInput, CreateUserInput, TokenView, UserView } from './inputs.js';
import { apiTokens, users, webSessions, type Role, type TokenRow, type UserRow } from './schema.js';
import { hashPassword, maxTokenLength, minBootstrapTokenLength, newToken, tokenHash, verifyPassword } from './secrets.js';

function userView(row: UserRow): UserView {
  return {
    username: row.username,
    displayName: row.displayName,
    unit: row.unitCode,
    role: row.role,
    hasPassword: row.passwordHash !== null,
    disabled: row.disabledAt !== null,
    createdAt: row.createdAt.toISOString(),
  };
}

function tokenView(row: TokenRow): TokenView {
  return {
    id: String(row.id),
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revoked: row.revokedAt !== null,
  };
}

/** Roles only the admin hands out: they see or do everything. */
const adminGranted: Role[] = ['admin', 'auditor'];

export async function createUser(ctx: Ctx, input: CreateUserInput): Promise<UserView> {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return mutate(ctx, async (tx, audit) => {
    const unit = await loadUnit(tx, input.unit);
    authorize(ctx, 'user.create', { unit });
    if (adminGranted.includes(input.role) && ctx.actor.role !== 'admin') {
      throw forbidden(`only the admin creates users with role ${input.role}`);
    }
    assertActive(unit);
    if (input.role === 'applicant' && unit.kind !== 'department') {
      throw ruleViolation('rule_violation', 'an applicant acts for its own department: bind it to a department, not a division');
    }
    if (input.role === 'operator' && unit.kind !== 'division') {
      throw ruleViolation('rule_violation', 'an operator works for an O&M unit: bind it to a division');
    }
    if (input.role === 'operator' && unit.level === 'township') {
      throw ruleViolation('rule_violation', "township space is managed by the county's operators (article 21): bind the operator to the county");
    }
    const [row] = await tx
      .insert(users)
      .values({ username: input.username, displayName: input.displayName, unitCode: unit.code, role: input.role, passwordHash })
      .returning();
    await audit({ action: 'user.create', objectType: 'user', objectId: row.username, after: userView(row) });
    return userView(row);
  });
}

export async function listUsers(ctx: Ctx, query: { unit?: string; limit: number; cursor?: string }): Promise<Page<UserView>> {
  authorize(ctx, 'user.read');
  return read(async () => {
    // An operator lists the users of its subtree (the admin and auditors everyone).
    const conditions = [unitInScope(ctx, users.unitCode)];
    if (query.unit) conditions.push(eq(users.unitCode, query.unit));
    if (query.cursor) conditions.push(gt(users.username, query.cursor));
    const found = await ctx.db.select().from(users).where(and(...conditions)).orderBy(asc(users.username)).limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => last.username, (page) => page.map(userView));
  });
}

/** The user and its unit's path, for token verbs that act on someone's account. */
async function loadAccount(db: Executor, username: string) {
  const [found] = await db
    .select({ user: users, unitPath: units.path })
    .from(users)
    .innerJoin(units, eq(units.code, users.unitCode))
    .where(eq(users.username, username));
  if (!found) throw notFound(`user ${username}`);
  return found;
}

/**
 * Who acts on whose tokens. A token acts as its user, so minting one for somebody else is
 * impersonation: a human user's tokens (admin, operator, applicant, auditor) are minted,
 * listed and revoked only by that user or by the admin, and an operator manages tokens only
 * for the `agent` users of its subtree (it runs its county's pollers). Chapter 5: records
 * must name who really acted (article 37).
 */
function authorizeAccount(ctx: Ctx, action: 'token.create' | 'token.read' | 'token.revoke', account: { user: UserRow; unitPath: string }): void {
  const own = account.user.id === ctx.actor.userId;
  if (own) {
    authorize(ctx, action, { unit: { code: ctx.actor.unitCode, path: ctx.actor.unitPath } });
    return;
  }
  if (ctx.actor.role === 'admin') return;
  if (ctx.actor.role !== 'operator') throw forbidden(`only your own tokens: you are ${ctx.actor.username}`);
  if (account.user.role !== 'agent') {
    throw forbidden(`a token acts as its user: only ${account.user.username} or the admin manage the tokens of the ${account.user.role} ${account.user.username}; operators manage agent tokens`);
  }
  authorize(ctx, action, { unit: { code: account.user.unitCode, path: account.unitPath } });
}

export async function createToken(ctx: Ctx, username: string, input: CreateTokenInput): Promise<{ id: string; token: string; expiresAt: string | null }> {
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= ctx.now().getTime()) throw invalid('expiresAt lies in the past', { field: 'expiresAt' });
  return mutate(ctx, async (tx, audit) => {
    const account = await loadAccount(tx, username);
    authorizeAccount(ctx, 'token.create', account);
    if (account.user.disabledAt) throw ruleViolation('rule_violation', `user ${username} is disabled`);
    const token = newToken();
    const [row] = await tx.insert(apiTokens).values({ userId: account.user.id, hash: tokenHash(token), expiresAt }).returning();
    // The audit row names the token by id only: the secret is shown once, to the caller.
    await audit({ action: 'token.create', objectType: 'token', objectId: String(row.id), after: { user: username, ...tokenView(row) } });
    return { id: String(row.id), token, expiresAt: expiresAt?.toISOString() ?? null };
  });
}

export async function listTokens(ctx: Ctx, username: string): Promise<{ items: TokenView[]; nextCursor: null }> {
  return read(async () => {
    const account = await loadAccount(ctx.db, username);
    authorizeAccount(ctx, 'token.read', account);
    const found = await ctx.db.select().from(apiTokens).where(eq(apiTokens.userId, account.user.id)).orderBy(asc(apiTokens.id));
    return { items: found.map(tokenView), nextCursor: null };
  });
}

export async function revokeToken(ctx: Ctx, username: string, id: string): Promise<void> {
  if (!/^\d{1,15}$/.test(id)) throw notFound(`token ${id}`);
  await mutate(ctx, async (tx, audit) => {
    const account = await loadAccount(tx, username);
    authorizeAccount(ctx, 'token.revoke', account);
    const [before] = await tx.select().from(apiTokens).where(and(eq(apiTokens.id, Number(id)), eq(apiTokens.userId, account.user.id))).for('update');
    if (!before) throw notFound(`token ${id} of ${username}`);
    if (before.revokedAt) return;
    const [row] = await tx.update(apiTokens).set({ revokedAt: ctx.now() }).where(eq(apiTokens.id, before.id)).returning();
    await audit({ action: 'token.revoke', objectType: 'token', objectId: id, before: tokenView(before), after: tokenView(row) });
  });
}

/**
 * A user changes its own password, proving the current one (a stolen session alone must not be
 * enough to lock the owner out). The user's other web sessions end; `keepSession` is the one
 * that asked (the web page), so its clerk stays logged in.
 */
export async function changePassword(ctx: Ctx, username: string, input: ChangePasswordInput, keepSession?: number): Promise<UserView> {
  if (username !== ctx.actor.username) throw forbidden(`only your own password: you are ${ctx.actor.username}; the admin disables an account that must stop working`);
  authorize(ctx, 'user.password', { unit: { code: ctx.actor.unitCode, path: ctx.actor.unitPath } });
  const [current] = await ctx.db.select().from(users).where(eq(users.username, username));
  if (!current) throw notFound(`user ${username}`);
  // Checked outside the transaction: scrypt takes ~50 ms and holds no lock meanwhile.
  if (!current.passwordHash || !(await verifyPassword(input.currentPassword, current.passwordHash))) {
    throw invalid('the current password is wrong', { field: 'currentPassword' });
  }
  if (input.newPassword === input.currentPassword) throw invalid('the new password is the current one: choose another', { field: 'newPassword' });
  const passwordHash = await hashPassword(input.newPassword);
  return mutate(ctx, async (tx, audit) => {
    const [row] = await tx.update(users).set({ passwordHash }).where(and(eq(users.id, current.id), eq(users.passwordHash, current.passwordHash!))).returning();
    if (!row) throw conflict('the password changed meanwhile: log in again');
    const ended = await tx
      .delete(webSessions)
      .where(keepSession === undefined ? eq(webSessions.userId, row.id) : and(eq(webSessions.userId, row.id), ne(webSessions.id, keepSession)))
      .returning({ id: webSessions.id });
    // The audit row says that the password changed, never what it is or was.
    await audit({ action: 'user.password', objectType: 'user', objectId: username, after: { passwordChanged: true, sessionsEnded: ended.length } });
    return userView(row);
  });
}

/**
 * The admin disables an account: from the same transaction on, its web sessions are gone and its
 * tokens are refused (authenticateToken checks disabledAt), so a person who left stops at once.
 */
export async function disableUser(ctx: Ctx, username: string): Promise<UserView> {
  authorize(ctx, 'user.disable');
  if (username === ctx.actor.username) throw ruleViolation('rule_violation', 'you cannot disable your own account: another admin does that');
  return mutate(ctx, async (tx, audit) => {
    const [before] = await tx.select().from(users).where(eq(users.username, username)).for('update');
    if (!before) throw notFound(`user ${username}`);
    if (before.disabledAt) return userView(before);
    const [row] = await tx.update(users).set({ disabledAt: ctx.now() }).where(eq(users.id, before.id)).returning();
    const ended = await tx.delete(webSessions).where(eq(webSessions.userId, row.id)).returning({ id: webSessions.id });
    await audit({ action: 'user.disable', objectType: 'user', objectId: username, before: userView(before), after: { ...userView(row), sessionsEnded: ended.length } });
    return userView(row);
  });
}

/** The admin enables a disabled account again; its old sessions stay ended, its tokens work again. */
export async function enableUser(ctx: Ctx, username: string): Promise<UserView> {
  authorize(ctx, 'user.enable');
  return mutate(ctx, async (tx, audit) => {
    const [before] = await tx.select().from(users).where(eq(users.username, username)).for('update');
    if (!before) throw notFound(`user ${username}`);
    if (!before.disabledAt) return userView(before);
    const [row] = await tx.update(users).set({ disabledAt: null }).where(eq(users.id, before.id)).returning();
    await audit({ action: 'user.enable', objectType: 'user', objectId: username, before: userView(before), after: userView(row) });
    return userView(row);
  });
}

/** One user, for the web's account page (the caller's own, or any for admin and auditor). */
export async function getUser(ctx: Ctx, username: string): Promise<UserView> {
  return read(async () => {
    const account = await loadAccount(ctx.db, username);
    const own = account.user.id === ctx.actor.userId;
    if (!own && !['admin', 'auditor'].includes(ctx.actor.role) && !(ctx.actor.role === 'operator' && account.unitPath.startsWith(ctx.actor.unitPath))) {
      throw notFound(`user ${username}`);
    }
    return userView(account.user);
  });
}

const lastUsedGranularityMs = 60_000;

/**
 * Every request looks its token up: one prepared indexed query, never a cache, so a revoked
 * token stops at once. Prepared once per database (building a drizzle query costs more CPU than
 * running this one: ~0.35 ms vs ~0.2 ms), and the lookups of concurrent requests share it
 * (db/batches.ts: on a busy server, one statement for the tokens of every request that arrived
 * meanwhile, instead of a round trip each).
 *
 * Index lookups only, whatever the statistics say: the token's owner by a LATERAL subquery with
 * LIMIT (never flattened into a join), its unit's path by a scalar subquery, the tokens by
 * `= ANY` of the hashes. Written as plain joins, the batches' variant was planned (custom and
 * generic plans alike) as hash joins that read and hashed all 1,410 units for every statement:
 * 0.39-0.65 ms of PostgreSQL's time a batch against 0.06-0.17 ms now (EXPLAIN ANALYZE of six
 * hashes, with one token and with 6,000 tokens of 3,000 users; issue 14).
 */
function prepareTokenLookup(db: Executor, which: 'one' | 'several') {
  return tokenLookup(db, which).prepare(`waiwang_token_lookup_${which}`);
}

/** The lookup's statement, unprepared (the plan test in test/integration/access.test.ts reads its SQL). */
export function tokenLookup(db: Executor, which: 'one' | 'several') {
  const owner = db.select().from(users).where(eq(users.id, apiTokens.userId)).limit(1).as('owner');
  return db
    .select({
      token: apiTokens,
      user: owner._.selectedFields,
      unitPath: sql<string>`(SELECT ${units.path} FROM ${units} WHERE ${units.code} = ${owner.unitCode})`,
    })
    .from(apiTokens)
    .innerJoinLateral(owner, sql`true`)
    .where(
      which === 'one'
        ? eq(apiTokens.hash, sql.placeholder('hash'))
        : sql`${apiTokens.hash} = ANY(ARRAY(SELECT jsonb_array_elements_text(${sql.placeholder('hashes')}::jsonb)))`,
    );
}

type TokenLookup = Awaited<ReturnType<ReturnType<typeof prepareTokenLookup>['execute']>>[number];

const tokenLookups = batchesPerDatabase(({ shared: db }) => {
  // A lone token by the plain equality (the cheaper statement for an idle server's requests).
  const one = prepareTokenLookup(db, 'one');
  const several = prepareTokenLookup(db, 'several');
  return new StatementBatches<string, TokenLookup | undefined>(
    async (hashes) => {
      const rows = hashes.length === 1 ? await one.execute({ hash: hashes[0] }) : await several.execute({ hashes: JSON.stringify(hashes) });
      const found = new Map(rows.map((f) => [f.token.hash, f]));
      return hashes.map((h) => found.get(h));
    },
    { inFlight: 1, largest: 64 },
  );
});

/**
 * Resolves a bearer token to its actor. lastUsedAt is written at most once a minute per token
 * (the UPDATE's own condition makes that hold across server processes), never on every request.
 */
export async function authenticateToken(db: Executor, token: string, now: Date): Promise<Actor | null> {
  if (!token.startsWith('ww_') || token.length > maxTokenLength) return null;
  const found = await tokenLookups(db).run(tokenHash(token));
  if (!found) return null;
  if (found.token.revokedAt || found.user.disabledAt) return null;
  if (found.token.expiresAt && found.token.expiresAt.getTime() <= now.getTime()) return null;
  const last = found.token.lastUsedAt?.getTime() ?? 0;
  if (now.getTime() - last >= lastUsedGranularityMs) {
    const stale = new Date(now.getTime() - lastUsedGranularityMs);
    await db
      .update(apiTokens)
      .set({ lastUsedAt: now })
      .where(and(eq(apiTokens.id, found.token.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, stale))));
  }
  return actorOf(found.user, found.unitPath);
}

export async function authenticatePassword(db: Executor, username: string, password: string): Promise<Actor | null> {
  const [found] = await db
    .select({ user: users, unitPath: units.path })
    .from(users)
    .innerJoin(units, eq(units.code, users.unitCode))
    .where(eq(users.username, username));
  if (!found?.user.passwordHash || found.user.disabledAt) {
    // Spend the same time as a real check, so timing does not tell which usernames exist.
    await verifyPassword(password, dummyHash);
    return null;
  }
  return (await verifyPassword(password, found.user.passwordHash)) ? actorOf(found.user, found.unitPath) : null;
}

const dummyHash = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function actorOf(user: UserRow, unitPath: string): Actor {
  return { userId: user.id, username: user.username, role: user.role, unitCode: user.unitCode, unitPath };
}

export const systemActor: Actor = { userId: 0, username: 'system', role: 'admin', unitCode: '450000', unitPath: '/450000/' };

/**
 * First start: the admin user of the region, whose token is WAIWANG_BOOTSTRAP_TOKEN when set
 * (so scripts know it in advance) and otherwise a random one returned once, for printing.
 */
export async function ensureAdmin(ctx: Ctx, bootstrapToken?: string): Promise<{ created: boolean; token?: string }> {
  if (bootstrapToken !== undefined) assertBootstrapToken(bootstrapToken);
  const [existing] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
  if (existing) {
    if (bootstrapToken) await rotateBootstrapToken(ctx, 'admin', bootstrapToken);
    return { created: false };
  }
  const token = bootstrapToken ?? newToken();
  await mutate(ctx, async (tx, audit) => {
    const [user] = await tx.insert(users).values({ username: 'admin', displayName: '系统管理员', unitCode: '450000', role: 'admin' }).returning();
    const [row] = await tx.insert(apiTokens).values({ userId: user.id, hash: tokenHash(token), bootstrap: true }).returning();
    await audit({ action: 'user.create', objectType: 'user', objectId: 'admin', after: userView(user) });
    await audit({ action: 'token.create', objectType: 'token', objectId: String(row.id), after: { user: 'admin', ...tokenView(row), bootstrap: true } });
  });
  return { created: true, token: bootstrapToken ? undefined : token };
}

function assertBootstrapToken(token: string): void {
  if (!token.startsWith('ww_') || token.length < minBootstrapTokenLength || token.length > maxTokenLength) {
    throw new Error(`WAIWANG_BOOTSTRAP_TOKEN must start with ww_ and be at least ${minBootstrapTokenLength} and at most ${maxTokenLength} characters`);
  }
}

/**
 * A bootstrap token given on a later start is honoured too (it was rotated in the environment),
 * and it replaces the previous bootstrap token, which is revoked in the same audited transaction:
 * a token that leaked with an old environment file stops working when the file is replaced.
 * Tokens the admin issued through the API are not bootstrap tokens and stay as they are.
 */
async function rotateBootstrapToken(ctx: Ctx, username: string, token: string): Promise<void> {
  const [found] = await ctx.db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.hash, tokenHash(token)));
  if (found) return;
  await mutate(ctx, async (tx, audit) => {
    const [user] = await tx.select().from(users).where(eq(users.username, username));
    if (!user) return;
    const [row] = await tx.insert(apiTokens).values({ userId: user.id, hash: tokenHash(token), bootstrap: true }).returning();
    await audit({ action: 'token.create', objectType: 'token', objectId: String(row.id), after: { user: username, ...tokenView(row), bootstrap: true } });
    const previous = await tx
      .update(apiTokens)
      .set({ revokedAt: ctx.now() })
      .where(and(eq(apiTokens.userId, user.id), eq(apiTokens.bootstrap, true), isNull(apiTokens.revokedAt), ne(apiTokens.id, row.id)))
      .returning();
    for (const old of previous) {
      await audit({
        action: 'token.revoke',
        objectType: 'token',
        objectId: String(old.id),
        before: { ...tokenView(old), revoked: false, bootstrap: true },
        after: { ...tokenView(old), bootstrap: true, replacedBy: String(row.id) },
      });
    }
  });
}
