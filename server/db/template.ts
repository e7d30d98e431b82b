import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { openPglite, type Database } from './client.js';
import { migrationsFolder } from './migrate.js';
import { fromRoot } from '../paths.js';

/**
 * The PGlite template data directory (issue 14). A fresh embedded start used to spend most of
 * its time in initdb inside WebAssembly, then in the migrations and the 1,410-division seed. The
 * template is that work done once: a closed PGlite data directory, migrated and seeded, which
 * every new data directory starts as a copy of (openPglite's `template`); the server then
 * migrates (a no-op when the template is current) and seeds (idempotent) as on any start, and
 * only then creates its own admin and token, which the template never holds.
 *
 * Measured (issue 14's closing note): PGlite's own dumpDataDir()/loadDataDir tarball takes
 * ~4 s to unpack through the WebAssembly file system; a plain directory copy (fs.cpSync, 41 MB)
 * plus the open takes ~1.5 s on the same loaded machine, so the template is a directory.
 *
 * Its name carries a hash of everything it depends on (the migrations, the division file, the
 * PGlite version), so a new migration or a PGlite upgrade makes a new template, built at the next
 * fresh start or by `npm run pglite-template` (make setup runs it after npm ci).
 */
const divisionsFile = fromRoot('server/modules/divisions/guangxi.json');

/**
 * Which way the template is built: part of its key, so that a template built the old way is
 * rebuilt. 2: without the template0 and template1 databases.
 */
const templateLayout = '2';

export function templateKey(): string {
  const hash = createHash('sha256').update(`layout ${templateLayout}`);
  for (const name of fs.readdirSync(migrationsFolder, { recursive: true }).map(String).sort()) {
    const file = path.join(migrationsFolder, name);
    if (fs.statSync(file).isFile()) hash.update(name).update(fs.readFileSync(file));
  }
  hash.update(fs.readFileSync(divisionsFile));
  hash.update(JSON.parse(fs.readFileSync(fromRoot('node_modules/@electric-sql/pglite/package.json'), 'utf8')).version);
  return hash.digest('hex').slice(0, 16);
}

export function templateDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.WAIWANG_PGLITE_TEMPLATE_DIR || fromRoot('node_modules/.cache/waiwang');
  return path.join(root, `pglite-template-${templateKey()}`);
}

/**
 * PostgreSQL's template0 and template1 databases, which only CREATE DATABASE reads: the embedded
 * server has the one database, `postgres`, and never creates another. Each is 300 files (7 MB),
 * and files are what a fresh start's copy of the template pays for (~0.4 ms each on the 2-core
 * appliance, where 16 MB of WAL in one file copy in ~8 ms): without them the template is 668
 * files instead of 1,268 (issue 14).
 */
async function dropTemplateDatabases(database: Database): Promise<void> {
  for (const name of ['template0', 'template1']) {
    await database.db.execute(sql.raw(`ALTER DATABASE ${name} IS_TEMPLATE false`));
    await database.db.execute(sql.raw(`DROP DATABASE ${name}`));
  }
}

/**
 * The template's path, built first when missing. `prepare` migrates and seeds the template's
 * database (bootstrap.ts passes its migrate + seed). Two servers building at once each build
 * their own and the first rename wins.
 */
export async function ensurePgliteTemplate(prepare: (database: Database) => Promise<void>, log?: Logger): Promise<string> {
  const dir = templateDir();
  if (fs.existsSync(dir)) return dir;
  const started = performance.now();
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const building = `${dir}.building-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  try {
    const database = await openPglite(building);
    try {
      await prepare(database);
      await dropTemplateDatabases(database);
    } finally {
      await database.close();
    }
    try {
      fs.renameSync(path.join(building, 'pg'), dir);
    } catch (err) {
      if (!fs.existsSync(dir)) throw err; // another process finished first: use theirs
    }
    log?.info({ template: dir, ms: Math.round(performance.now() - started) }, 'PGlite template data directory built');
  } finally {
    fs.rmSync(building, { recursive: true, force: true });
  }
  return dir;
}
