import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database, Db, Tx } from './db/client.js';
import { isRetryable, translateDbError } from './db/errors.js';
import type { Role } from './modules/access/schema.js';
import { recordAudit, type AuditInput } from './modules/audit/record.js';

/** Who is acting: resolved from a token or a web session. */
export interface Actor {
  userId: number;
  username: string;
  role: Role;
  unitCode: string;
  /** The actor's unit path ('/450000/450100/'); its subtree is the actor's scope. */
  unitPath: string;
}

/** What every service verb receives besides its input. */
export interface Ctx {
  db: Db;
  actor: Actor;
  requestId?: string;
  now: () => Date;
  config: Config;
}

/** Process-wide dependencies handed to createApp: tests build their own. */
export interface Deps {
  database: Database;
  config: Config;
  log: Logger;
  now: () => Date;
}

export type Audit = (entry: AuditInput) => Promise<void>;

const maxAttempts = 5;

/**
 * The shape of every write: one transaction; the verb's audit rows go into that same
 * transaction, so a change and its record commit or vanish together. Serialization failures
 * and deadlocks are retried a bounded number of times; every other database error is
 * translated once, here.
 */
export async function mutate<T>(ctx: Ctx, work: (tx: Tx, audit: Audit) => Promise<T>): Promise<T> {
  return withRetries(() => ctx.db.transaction(async (tx) => work(tx, (entry) => recordAudit(tx, ctx, entry))));
}

/**
 * A write whose only writing statement is one call of a database function that writes the
 * change and its audit entries together (the IPAM functions): autocommitted, so it needs no
 * BEGIN and no COMMIT of its own, two round trips fewer than mutate(), and it holds its locks
 * only while the statement runs. What `work` reads before that statement is read outside any
 * transaction: the function checks under its locks that what the verb decided on still holds.
 */
export async function writeInOneStatement<T>(ctx: Ctx, work: (db: Db) => Promise<T>): Promise<T> {
  return withRetries(() => work(ctx.db));
}

async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (isRetryable(err) && n < maxAttempts) {
        await new Promise((r) => setTimeout(r, Math.random() * 10 * n));
        continue;
      }
      throw translateDbError(err);
    }
  }
}

/** Reads share the error translation (503 when the database is gone) but need no transaction. */
export async function read<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw translateDbError(err);
  }
}
