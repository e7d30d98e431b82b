import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../server/db/migrate.js';
import { openServerDatabase, prepare, seed } from '../../server/bootstrap.js';
import { loadConfig } from '../../server/config.js';
import { rows } from '../../server/db/client.js';
import { ensurePgliteTemplate, templateDir } from '../../server/db/template.js';

/**
 * A fresh embedded data directory starts as a copy of the template (migrated and seeded, no
 * users); each copy then gets its own admin and token, and the migrations are checked as usual.
 */
describe('PGlite template data directory', () => {
  let root: string;
  const previous = process.env.WAIWANG_PGLITE_TEMPLATE_DIR;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-template-test-'));
    process.env.WAIWANG_PGLITE_TEMPLATE_DIR = path.join(root, 'templates');
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.WAIWANG_PGLITE_TEMPLATE_DIR;
    else process.env.WAIWANG_PGLITE_TEMPLATE_DIR = previous;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('is built once, holds the migrated and seeded registry and no user; every fresh data dir gets its own admin', async () => {
    const built = await ensurePgliteTemplate(async (database) => {
      await migrate(database);
      await seed(database);
    });
    expect(built).toBe(templateDir());
    const mtime = fs.statSync(built).mtimeMs;
    expect(await ensurePgliteTemplate(async () => { throw new Error('must not rebuild'); })).toBe(built);
    expect(fs.statSync(built).mtimeMs).toBe(mtime);
    // Only the server's database: template0 and template1 are 600 files a fresh start would copy.
    expect(fs.readdirSync(path.join(built, 'base'))).toEqual(['5']);

    const tokens: string[] = [];
    for (const name of ['a', 'b']) {
      const config = { ...loadConfig({ WAIWANG_DATA_DIR: path.join(root, name) }), bootstrapToken: undefined };
      const database = await openServerDatabase(config);
      try {
        const [{ units, users }] = await rows<{ units: number; users: number }>(database.db, sql`SELECT (SELECT count(*) FROM units)::int AS units, (SELECT count(*) FROM users)::int AS users`);
        expect(units).toBe(1410);
        expect(users).toBe(0);
        const journal = JSON.parse(fs.readFileSync(path.resolve('drizzle/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
        const [{ n }] = await rows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`);
        expect(n).toBe(journal.entries.length);
        const databases = await rows<{ datname: string }>(database.db, sql`SELECT datname FROM pg_database ORDER BY datname`);
        expect(databases.map((d) => d.datname)).toEqual(['postgres']);
        // What the appliance's maintenance runs on it (db/maintenance.ts) still works without them.
        await database.db.execute(sql`VACUUM (FREEZE, ANALYZE)`);
        const { adminToken } = await prepare(database, config);
        expect(adminToken).toMatch(/^ww_/);
        tokens.push(adminToken!);
      } finally {
        await database.close();
      }
    }
    expect(tokens[0]).not.toBe(tokens[1]);
    // The template itself stays as it was built: no admin slipped into it.
    expect(fs.statSync(built).mtimeMs).toBe(mtime);
  });
});
