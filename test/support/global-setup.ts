import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../server/config.js';
import { openPglite, openPostgres } from '../../server/db/client.js';
import { prepare } from '../../server/bootstrap.js';
import { adminToken, pgliteTemplatePath, templateDatabaseName, testRoot, withDatabase } from './databases.js';

/**
 * Migrating and seeding 1,410 divisions costs seconds; every test file instead starts from a
 * template made once per run: a PGlite data dump, and a PostgreSQL template database.
 */
export default async function setup(project: TestProject) {
  fs.mkdirSync(testRoot, { recursive: true });
  const config = { ...loadConfig({}), bootstrapToken: adminToken, dataDir: path.join(testRoot, 'unused') };
  const pglite = await openPglite(undefined);
  await prepare(pglite, config);
  const dump = await (pglite.db as unknown as { $client: { dumpDataDir(c?: string): Promise<Blob> } }).$client.dumpDataDir('gzip');
  const templateFile = pgliteTemplatePath(String(process.pid));
  fs.writeFileSync(templateFile, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
  project.provide('pgliteTemplate', templateFile);
  const removeTemplate = () => fs.rmSync(templateFile, { force: true });

  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const template = templateDatabaseName();
    await withDatabase(serverUrl, async (sql) => {
      await sql.unsafe(`DROP DATABASE IF EXISTS ${template}`);
      await sql.unsafe(`CREATE DATABASE ${template}`);
    });
    const pg = await openPostgres(replaceDatabase(serverUrl, template), 2);
    await prepare(pg, config);
    await pg.close();
    project.provide('templateDatabase', template);
    return async () => {
      removeTemplate();
      await withDatabase(serverUrl, async (sql) => {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${template}`);
      });
    };
  }
  project.provide('templateDatabase', '');
  return removeTemplate;
}

export function replaceDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    pgliteTemplate: string;
  }
}
