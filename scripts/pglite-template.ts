/**
 * Builds the PGlite template data directory (server/db/template.ts) ahead of the first start:
 * `npm run pglite-template`; `make setup` runs it after npm ci. Prints its path.
 */
import { migrate } from '../server/db/migrate.js';
import { templateDir, ensurePgliteTemplate } from '../server/db/template.js';
import { seed } from '../server/bootstrap.js';

const existed = (await import('node:fs')).existsSync(templateDir());
const dir = await ensurePgliteTemplate(async (database) => {
  await migrate(database);
  await seed(database);
});
console.log(`${existed ? 'PGlite template up to date' : 'PGlite template built'}: ${dir}`);
