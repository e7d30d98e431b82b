import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtures, describeRow, runRow, type AuthzFixtures, type AuthzRow } from '../support/authz.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { openApiDocument, operations } from '../support/openapi.js';

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

/**
 * Write endpoints that act for no unit, so that "another county" or "another city" means nothing
 * for them (each still needs a countyOperator row). Every other write endpoint needs rows for the
 * county operator in its own county, in another county of its city and in another city, and for
 * the city operator in that other county and in the other city.
 */
const unscopedWrites: Record<string, string> = {
  'POST /api/v1/vrfs': 'a VRF belongs to a zone, not to a unit; the admin creates it',
  'POST /api/v1/domains': 'root zones are the admin’s; everything below them is delegated with rows of its own',
  'PUT /api/v1/policies/expansion': 'one policy for the whole region, set by the admin',
  'POST /api/v1/policies/expansion/evaluate': 'runs the evaluation the job runs every 5 minutes over every link; it decides nothing for a unit',
  'PUT /api/v1/calendar/{year}': 'one official calendar for the whole region, loaded by the admin',
};
const requiredCells: { role: AuthzRow['role']; scope: AuthzRow['scope'] }[] = [
  { role: 'countyOperator', scope: 'in' },
  { role: 'countyOperator', scope: 'sibling' },
  { role: 'countyOperator', scope: 'out' },
  { role: 'operator', scope: 'sibling' },
  { role: 'operator', scope: 'out' },
];
const writeMethods = ['post', 'put', 'patch', 'delete'];

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

  // Which request each row made, for the coverage check below (it runs after every row).
  const requested: { row: AuthzRow; path: string }[] = [];

  describe.each(tables)('$file', ({ rows }) => {
    it.each(rows.map((row) => [describeRow(row), row] as const))('%s', async (_name, row) => {
      await runRow(fixtures, row, (path) => requested.push({ row, path }));
    });
  });

  it('has rows for another county and another city at every write endpoint of the OpenAPI document', async () => {
    const total = tables.reduce((n, table) => n + table.rows.length, 0);
    expect(requested.length, 'this check needs every row to have reached its request: run the whole file').toBe(total);
    const doc = await openApiDocument<{ paths: Record<string, Record<string, unknown>> }>(t);
    const writes = operations(doc)
      .filter(({ path, method }) => path.startsWith('/api/v1/') && writeMethods.includes(method.toLowerCase()))
      .map(({ path: template, method }) => ({
        key: `${method} ${template}`,
        method,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        // A literal segment is more specific than a parameter: /prefixes/import before /prefixes/{id}.
        parameters: (template.match(/\{/g) ?? []).length,
      }));
    expect(writes.length).toBeGreaterThan(30);
    const rowsOf = new Map<string, AuthzRow[]>(writes.map((w) => [w.key, []]));
    for (const { row, path } of requested) {
      const [endpoint] = writes.filter((w) => w.method === row.method && w.pattern.test(path.split('?')[0])).sort((a, b) => a.parameters - b.parameters);
      if (endpoint) rowsOf.get(endpoint.key)!.push(row);
    }
    const missing: string[] = [];
    for (const { key } of writes) {
      const rows = rowsOf.get(key)!;
      const cells = key in unscopedWrites ? [{ role: 'countyOperator' as const, scope: undefined }] : requiredCells;
      for (const cell of cells) {
        if (!rows.some((r) => r.role === cell.role && (cell.scope === undefined || r.scope === cell.scope))) missing.push(`${key}: ${cell.role}${cell.scope ? ` at scope ${cell.scope}` : ''}`);
      }
    }
    expect(missing, 'write endpoints without these matrix rows').toEqual([]);
    expect(Object.keys(unscopedWrites).filter((key) => !rowsOf.has(key)), 'exemptions for endpoints that no longer exist').toEqual([]);
  });
});
