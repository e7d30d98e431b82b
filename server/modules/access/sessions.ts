import { randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, inArray, lt, ne, or, sql } from 'drizzle-orm';
import type { Actor, Ctx, Deps } from '../../context.js';
import { mutate } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { units } from '../divisions/schema.js';
import { authenticatePassword } from './service.js';
import { tokenHash } from './secrets.js';
import { loginThrottles, users, webSessions } from './schema.js';

/**
 * Web sessions: the browser's cookie carries a random id; the database keeps its SHA-256, the
 * user, a per-session CSRF token and two clocks (OWASP Session Management cheat sheet: an
 * absolute lifetime and an idle timeout, both enforced by the server, not by the cookie).
 */
export const sessionPolicy = {
  /** A working day and a bit: a clerk logs in in the morning and is asked again the next day. */
  absoluteMs: 12 * 3600_000,
  /** Half an hour without a request ends the session (GB/T 22239 level 3 asks for a timeout on idle sessions). */
  idleMs: 30 * 60_000,
  /** lastSeenAt is written at most this often, not on every page. */
  touchGranularityMs: 60_000,
};

/**
 * Login throttling, per username (guessing one account's password) and per client address
 * (spraying one password over many accounts). After `freeFailures` failures within `windowMs`
 * the key is locked for `baseLockMs`, doubling with each further failure up to `maxLockMs`
 * (exponential backoff, OWASP Authentication cheat sheet). A lock refuses before the password is
 * even checked, so it costs the server no scrypt and tells the guesser nothing.
 */
export const throttlePolicy = {
  user: { freeFailures: 5 },
  address: { freeFailures: 20 },
  windowMs: 15 * 60_000,
  baseLockMs: 60_000,
  maxLockMs: 60 * 60_000,
};

export interface SessionInfo {
  id: number;
  actor: Actor;
  csrfToken: string;
}

export type LoginResult =
  | { ok: true; sessionId: string; session: SessionInfo }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

const throttleKeys = (username: string, clientAddress: string) => ({ user: `user:${username}`, address: `addr:${clientAddress}` });

/** Seconds until every lock on these keys is lifted; 0 when none holds. */
async function lockedFor(db: Executor, keys: string[], now: Date): Promise<number> {
  const found = await db.select().from(loginThrottles).where(inArray(loginThrottles.key, keys));
  let until = 0;
  for (const row of found) if (row.lockedUntil && row.lockedUntil.getTime() > until) until = row.lockedUntil.getTime();
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

/** Counts one failure for a key in one statement (two servers failing at once both count). */
async function countFailure(db: Executor, key: string, freeFailures: number, now: Date): Promise<void> {
  const windowStart = new Date(now.getTime() - throttlePolicy.windowMs);
  // failures restarts at 1 when the previous failure lies outside the window.
  const failures = sql`CASE WHEN ${loginThrottles.lastFailureAt} < ${windowStart.toISOString()}::timestamptz THEN 1 ELSE ${loginThrottles.failures} + 1 END`;
  const [row] = await db
    .insert(loginThrottles)
    .values({ key, failures: 1, lastFailureAt: now })
    .onConflictDoUpdate({ target: loginThrottles.key, set: { failures, lastFailureAt: now } })
    .returning();
  const over = row.failures - freeFailures;
  if (over >= 0) {
    const lockMs = Math.min(throttlePolicy.baseLockMs * 2 ** Math.min(over, 20), throttlePolicy.maxLockMs);
    await db.update(loginThrottles).set({ lockedUntil: new Date(now.getTime() + lockMs) }).where(eq(loginThrottles.key, key));
  }
}

function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Logs a user in with username and password: refuses while a throttle lock holds, counts a
 * failure against both keys, and on success opens a session (audited as `session.create`).
 */
export async function logIn(deps: Deps, input: { username: string; password: string; clientAddress: string }): Promise<LoginResult> {
  const db = deps.database.db;
  const now = deps.now();
  const keys = throttleKeys(input.username, input.clientAddress);
  const wait = await lockedFor(db, [keys.user, keys.address], now);
  if (wait > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: wait };
  const found = await authenticatePassword(db, input.username, input.password);
  // Agents speak to the API with their tokens; the web UI is for people.
  const actor = found?.role === 'agent' ? null : found;
  if (!actor) {
    await countFailure(db, keys.user, throttlePolicy.user.freeFailures, now);
    await countFailure(db, keys.address, throttlePolicy.address.freeFailures, now);
    return { ok: false, reason: 'invalid' };
  }
  // The account's counter starts again; the address's does not (a valid login of one account
  // must not wash away a spray against others from the same address).
  await db.delete(loginThrottles).where(eq(loginThrottles.key, keys.user));
  const sessionId = newSessionSecret();
  const csrfToken = newSessionSecret();
  const ctx: Ctx = { db, actor, now: deps.now, config: deps.config };
  const row = await mutate(ctx, async (tx, audit) => {
    const [created] = await tx
      .insert(webSessions)
      .values({
        userId: actor.userId,
        hash: tokenHash(sessionId),
        csrfToken,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + sessionPolicy.absoluteMs),
        clientAddress: input.clientAddress,
      })
      .returning();
    await audit({
      action: 'session.create',
      objectType: 'session',
      objectId: String(created.id),
      after: { user: actor.username, clientAddress: input.clientAddress, expiresAt: created.expiresAt.toISOString() },
    });
    return created;
  });
  return { ok: true, sessionId, session: { id: row.id, actor, csrfToken } };
}

/** The session a cookie names, if it is still alive and its user is not disabled. */
export async function resolveSession(db: Executor, sessionId: string, now: Date): Promise<SessionInfo | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return null;
  const [found] = await db
    .select({ session: webSessions, user: users, unitPath: units.path })
    .from(webSessions)
    .innerJoin(users, eq(users.id, webSessions.userId))
    .innerJoin(units, eq(units.code, users.unitCode))
    .where(eq(webSessions.hash, tokenHash(sessionId)));
  if (!found || found.user.disabledAt) return null;
  const t = now.getTime();
  if (found.session.expiresAt.getTime() <= t || found.session.lastSeenAt.getTime() + sessionPolicy.idleMs <= t) {
    await db.delete(webSessions).where(eq(webSessions.id, found.session.id));
    return null;
  }
  if (t - found.session.lastSeenAt.getTime() >= sessionPolicy.touchGranularityMs) {
    await db.update(webSessions).set({ lastSeenAt: now }).where(eq(webSessions.id, found.session.id));
  }
  const { user } = found;
  return {
    id: found.session.id,
    actor: { userId: user.id, username: user.username, role: user.role, unitCode: user.unitCode, unitPath: found.unitPath },
    csrfToken: found.session.csrfToken,
  };
}

/** Logout: the session row goes, so the cookie is worthless even if it was copied. */
export async function endSession(ctx: Ctx, sessionRowId: number): Promise<void> {
  await mutate(ctx, async (tx, audit) => {
    const gone = await tx.delete(webSessions).where(eq(webSessions.id, sessionRowId)).returning({ id: webSessions.id });
    if (gone.length) await audit({ action: 'session.end', objectType: 'session', objectId: String(sessionRowId), after: { user: ctx.actor.username } });
  });
}

/** Ends every session of a user (but `keep`, the one that asked): after a password change or when disabled. */
export async function endSessionsOf(tx: Executor, userId: number, keep?: number): Promise<number> {
  const condition = keep === undefined ? eq(webSessions.userId, userId) : and(eq(webSessions.userId, userId), ne(webSessions.id, keep));
  const gone = await tx.delete(webSessions).where(condition).returning({ id: webSessions.id });
  return gone.length;
}

/** Sessions past either clock, and throttle rows nobody has failed on for a day: pruned by the jobs. */
export async function pruneSessions(db: Executor, now: Date): Promise<void> {
  await db
    .delete(webSessions)
    .where(or(lt(webSessions.expiresAt, now), lt(webSessions.lastSeenAt, new Date(now.getTime() - sessionPolicy.idleMs))));
  await db.delete(loginThrottles).where(lt(loginThrottles.lastFailureAt, new Date(now.getTime() - 24 * 3600_000)));
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(expected: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || submitted.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(submitted), Buffer.from(expected));
}
