import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openDatabase, pgliteDataDirIsFresh, type Database } from './client.js';
import { migrate } from './migrate.js';
import { ensurePgliteTemplate } from './template.js';

/**
 * The server's database. A first embedded start copies the PGlite template data directory
 * (server/db/template.ts; built here when missing) instead of running initdb, migrations and the
 * seed inside WebAssembly; prepare() then checks the migrations and the seed as on any start.
 * WAIWANG_PGLITE_TEMPLATE=off starts without it.
 *
 * Its own module, importing little: main.ts starts it before it loads the rest of the server, so
 * that the template's copy (in a worker thread, see openPglite) runs while those modules load.
 */
export async function openServerDatabase(config: Config, log?: Logger): Promise<Database> {
  if (config.databaseUrl || !pgliteDataDirIsFresh(config.dataDir) || process.env.WAIWANG_PGLITE_TEMPLATE === 'off') return openDatabase(config);
  let template: string | undefined;
  try {
    template = await ensurePgliteTemplate(async (database) => {
      const { seed } = await import('../bootstrap.js');
      await migrate(database);
      await seed(database);
    }, log);
  } catch (err) {
    log?.warn({ err }, 'could not build the PGlite template data directory; starting without it');
  }
  return openDatabase(config, { template });
}
