import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtures, describeRow, runRow, type AuthzFixtures, type AuthzRow } from '../support/authz.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';

// Every module's rows: test/integration/authz/<module>.rows.ts exporting `rows` (see test/support/authz.ts).
const folder = fileURLToPath(new URL('./authz/', import.meta.url));
const files = fs
  .readdirSync(folder)
  .filter((name) => name.endsWith('.rows.ts'))
  .sort();
const tables: { file: string; rows: AuthzRow[] }[] = [];
for (const file of files) {
  const loaded = (await import(pathToFileURL(`${folder}${file}`).href)) as { rows?: AuthzRow[] };
  if (!Array.isArray(loaded.rows)) throw new Error(`${file} must export rows: AuthzRow[]`);
  tables.push({ file, rows: loaded.rows });
}

describe.each(backends)('authorization matrix on %s', (backend) => {
  let t: TestApp;
  let fixtures: Omit<AuthzFixtures, 'me' | 'target'>;
  beforeAll(async () => {
    t = await startTestApp(backend);
    fixtures = await createFixtures(t);
  });
  afterAll(async () => t?.close());

  it('has rows to run', () => {
    expect(tables.map((table) => table.file)).toContain('foundation.rows.ts');
    for (const table of tables) expect(table.rows.length, `${table.file} has no rows`).toBeGreaterThan(0);
  });

  describe.each(tables)('$file', ({ rows }) => {
    it.each(rows.map((row) => [describeRow(row), row] as const))('%s', async (_name, row) => {
      await runRow(fixtures, row);
    });
  });
});
