import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { units } from '../divisions/schema.js';

export const roles = ['admin', 'operator', 'applicant', 'auditor', 'agent'] as const;
export type Role = (typeof roles)[number];

export const users = pgTable(
  'users',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    unitCode: text('unit_code').notNull().references(() => units.code),
    role: text('role', { enum: roles }).notNull(),
    /** scrypt$N$r$p$salt$hash, only for the web UI; API clients use tokens. */
    passwordHash: text('password_hash'),
    disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_username_key').on(t.username), index('users_unit_idx').on(t.unitCode)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    /** SHA-256 of the token: the token itself is shown once and never stored. */
    hash: text('hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    /** Made from WAIWANG_BOOTSTRAP_TOKEN (or printed at the first start): a new one revokes it. */
    bootstrap: boolean('bootstrap').notNull().default(false),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_key').on(t.hash),
    index('api_tokens_user_idx').on(t.userId),
    check('api_tokens_hash_hex', sql`${t.hash} ~ '^[0-9a-f]{64}$'`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type TokenRow = typeof apiTokens.$inferSelect;

/**
 * Web sessions (the UI's cookie). Only the SHA-256 of the session id is stored, like tokens: a
 * copy of the table logs nobody in. The CSRF token is per session (synchronizer token pattern,
 * OWASP CSRF cheat sheet) and is not a secret from the session's own pages.
 */
export const webSessions = pgTable(
  'web_sessions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id, { onDelete: 'cascade' }),
    hash: text('hash').notNull(),
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Absolute end of the session, however active it stays. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    clientAddress: text('client_address'),
  },
  (t) => [
    uniqueIndex('web_sessions_hash_key').on(t.hash),
    index('web_sessions_user_idx').on(t.userId),
    index('web_sessions_expires_idx').on(t.expiresAt),
    check('web_sessions_hash_hex', sql`${t.hash} ~ '^[0-9a-f]{64}$'`),
    check('web_sessions_expiry_after_creation', sql`${t.expiresAt} > ${t.createdAt}`),
  ],
);

/**
 * Failed logins counted per key ('user:<name>' and 'addr:<client address>'), in the database so
 * that several server processes behind a load balancer count together.
 */
export const loginThrottles = pgTable(
  'login_throttles',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull().default(0),
    lastFailureAt: timestamp('last_failure_at', { withTimezone: true, mode: 'date' }).notNull(),
    lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }),
  },
  (t) => [check('login_throttles_failures_nonnegative', sql`${t.failures} >= 0`)],
);

export type WebSessionRow = typeof webSessions.$inferSelect;
