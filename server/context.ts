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
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction(async (tx) => work(tx, (entry) => recordAudit(tx, ctx, entry)));
    } catch (err) {
      if (isRetryable(err) && attempt < maxAttempts) {
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
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
