import type { Database } from './client.js';
import { fromRoot } from '../paths.js';

export const migrationsFolder = fromRoot('drizzle');

/**
 * Applies the committed migrations in drizzle/ with drizzle-orm's migrator, for either driver.
 * Each driver's migrator is loaded when used: the PGlite one pulls PGlite's driver in, which a
 * PostgreSQL-backed server does not need (see openPglite).
 */
export async function migrate(database: Database): Promise<void> {
  if (database.driver === 'pglite') {
    const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
    await migratePglite(database.db as never, { migrationsFolder });
  } else {
    const { migrate: migratePostgres } = await import('drizzle-orm/postgres-js/migrator');
    await migratePostgres(database.db as never, { migrationsFolder });
  }
}
