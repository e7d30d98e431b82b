import fs from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Ctx } from './context.js';
import type { Database } from './db/client.js';
import { resealUnboundSecrets } from './crypto/reseal.js';
import { migrate } from './db/migrate.js';
import { fromRoot } from './paths.js';
import { ensureAdmin, systemActor } from './modules/access/service.js';
import { seedDivisions } from './modules/divisions/service.js';
import type { DivisionRecord } from './modules/divisions/types.js';

const divisionsFile = fromRoot('server/modules/divisions/guangxi.json');

export function loadDivisionRecords(): DivisionRecord[] {
  return JSON.parse(fs.readFileSync(divisionsFile, 'utf8')) as DivisionRecord[];
}

/** Reference data every registry starts with; each module seeds its own (idempotent). */
export async function seed(database: Database): Promise<void> {
  await database.db.transaction(async (tx) => {
    await seedDivisions(tx, loadDivisionRecords());
  });
}

/** The server's database (server/db/open.ts). */
export { openServerDatabase } from './db/open.js';

export function systemCtx(database: Database, config: Config, now: () => Date = () => new Date()): Ctx {
  return { db: database.db, actor: systemActor, now, config, requestId: 'bootstrap' };
}

/**
 * Migrate, seed, make sure an admin exists, seal old secret envelopes for their rows.
 * `phase` is called after each step (main.ts logs the time each took).
 * Returns a freshly generated admin token to print.
 */
export async function prepare(database: Database, config: Config, log?: Logger, phase: (name: string) => void = () => {}): Promise<{ adminToken?: string }> {
  await migrate(database);
  phase('migrate');
  await seed(database);
  phase('seed');
  const admin = await ensureAdmin(systemCtx(database, config), config.bootstrapToken);
  phase('admin');
  await resealUnboundSecrets(systemCtx(database, config), log);
  phase('reseal');
  return { adminToken: admin.token };
}
