// Bad text in every string a request carries, generated from the OpenAPI document (itself made from
// the zod schemas): every JSON write endpoint, every string field at any depth (arrays included),
// every query parameter and every path parameter. The answer must be 400 validation_failed naming
// the field, never a 500, and nothing may be written.
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateDbError } from '../../server/db/errors.js';
import { Problem } from '../../server/http/problem.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { openApiDocument, operations } from '../support/openapi.js';
import { examples, pathValues, queryValues, urlOf, type OpenApiDocument, type Schema } from '../support/request-examples.js';

/** Path segments of a field; '[]' stands for "an element of this array". */
type FieldPath = (string | '[]')[];

/** Every string field a schema describes, following $refs, unions and arrays. */
function stringFields(doc: OpenApiDocument, schema: Schema, path: FieldPath = [], seen: string[] = []): FieldPath[] {
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    if (seen.includes(name)) return [];
    return stringFields(doc, doc.components.schemas[name], path, [...seen, name]);
  }
  const found: FieldPath[] = [];
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) found.push(...stringFields(doc, branch, path, seen));
  if ([schema.type ?? []].flat().includes('string')) found.push(path);
  for (const [key, property] of Object.entries(schema.properties ?? {})) found.push(...stringFields(doc, property, [...path, key], seen));
  if (schema.items) found.push(...stringFields(doc, schema.items, [...path, '[]'], seen));
  if (typeof schema.additionalProperties === 'object') found.push(...stringFields(doc, schema.additionalProperties, [...path, '*'], seen));
  const unique = new Map(found.map((p) => [p.join('.'), p]));
  return [...unique.values()];
}

/** The field as validation errors name it: array elements by index (the examples' first element). */
const fieldName = (path: FieldPath) => path.map((p) => (p === '[]' ? '0' : p)).join('.');

function get(value: unknown, path: FieldPath): unknown {
  let at = value;
  for (const p of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = p === '[]' ? (Array.isArray(at) ? at[0] : undefined) : (at as Record<string, unknown>)[p];
  }
  return at;
}

function withValue<T>(body: T, path: FieldPath, value: string): T {
  const copy = structuredClone(body);
  let at: any = copy;
  for (const p of path.slice(0, -1)) at = p === '[]' ? at[0] : at[p];
  const last = path[path.length - 1];
  if (last === '[]') at[0] = value;
  else at[last] = value;
  return copy;
}

/** The bad characters, put in the middle of a value that is otherwise valid. */
// (server/text.test.ts goes through every control character; here, one of each kind per field.)
const poisons: [string, string][] = [
  ['NUL', '\u0000'],
  ['a lone high surrogate', '\ud800'],
  ['a lone low surrogate', '\udc00'],
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
];
/** Line breaks and tabs: text only in the fields written as prose or files. */
const multiline = new Set(['description', 'opinion', 'comment', 'privateKey', 'config', 'document', 'findings']);
const lineBreaks: [string, string][] = [
  ['LF', '\n'],
  ['TAB', '\t'],
];

const poisoned = (example: string, poison: string) => example.slice(0, Math.ceil(example.length / 2)) + poison + example.slice(Math.ceil(example.length / 2));

describe.each(backends)('bad text in requests, on %s', (backend) => {
  let t: TestApp;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    t = await startTestApp(backend);
    doc = await openApiDocument(t);
  });
  afterAll(async () => t?.close());

  const writes = () => operations(doc).filter((o) => ['POST', 'PUT', 'PATCH'].includes(o.method) && o.op.requestBody?.content['application/json']);

  it('has a valid example body for every JSON write endpoint, covering every string field', () => {
    const missing: string[] = [];
    for (const { method, path, op } of writes()) {
      const key = `${method} ${path}`;
      const variants = examples[key];
      if (!variants) {
        missing.push(`${key}: no example body — add one to \`examples\` in test/support/request-examples.ts`);
        continue;
      }
      for (const field of stringFields(doc, op.requestBody!.content['application/json'].schema)) {
        if (field.length === 0) continue;
        if (!variants.some((v) => typeof get(v, field) === 'string')) missing.push(`${key}: the example bodies give no string at ${fieldName(field)}`);
      }
    }
    expect(missing, missing.join('\n')).toEqual([]);
  });

  it('refuses NUL, lone surrogates, C0 controls and DEL in every string field of every JSON write: 400 naming the field, nothing written', { timeout: 300_000 }, async () => {
    let sent = 0;
    for (const { method, path, op } of writes()) {
      const variants = examples[`${method} ${path}`] ?? [];
      const before = await countRows(t, 'audit_entries');
      for (const field of stringFields(doc, op.requestBody!.content['application/json'].schema)) {
        const body = variants.find((v) => typeof get(v, field) === 'string');
        if (!body || field.length === 0) continue;
        const example = get(body, field) as string;
        const name = field[field.length - 1];
        const bad = [...poisons, ...(multiline.has(name) ? [] : lineBreaks)];
        for (const [what, poison] of bad) {
          const reply = await t.call(method, urlOf(path), { body: withValue(body, field, poisoned(example, poison)) });
          sent++;
          const label = `${method} ${path} with ${what} in ${fieldName(field)}: ${reply.text.slice(0, 300)}`;
          expect(reply.status, label).toBe(400);
          expect(reply.headers.get('content-type'), label).toMatch(/^application\/problem\+json/);
          expect(reply.body, label).toMatchObject({ code: 'validation_failed', field: fieldName(field) });
        }
      }
      expect(await countRows(t, 'audit_entries'), `${method} ${path} wrote`).toBe(before);
    }
    expect(sent).toBeGreaterThan(500);
  });

  it('refuses bad text in every query parameter and every path parameter that is not an id', { timeout: 120_000 }, async () => {
    const before = await countRows(t, 'audit_entries');
    let sent = 0;
    for (const { method, path, op } of operations(doc)) {
      const params = op.parameters ?? [];
      const required = Object.fromEntries(params.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, queryValues[p.name]]));
      for (const param of params.filter((p) => p.schema && [p.schema.type ?? []].flat().includes('string') && p.name !== 'id')) {
        for (const [what, poison] of [...poisons.filter(([, p]) => !/[\ud800-\udfff]/.test(p)), ...lineBreaks]) {
          const value = poisoned(param.in === 'path' ? pathValues[param.name] : 'abc', poison);
          const url = param.in === 'path' ? urlOf(path, { [param.name]: value }) : `${urlOf(path)}?${new URLSearchParams({ ...required, [param.name]: value })}`;
          const reply = await t.call(method, url);
          sent++;
          const label = `${method} ${url} (${what} in ${param.in} ${param.name}): ${reply.text.slice(0, 300)}`;
          expect(reply.status, label).toBe(400);
          expect(reply.body, label).toMatchObject({ field: param.name });
        }
      }
    }
    expect(sent).toBeGreaterThan(100);
    expect(await countRows(t, 'audit_entries')).toBe(before);
  });

  it('refuses a JSON body that is not UTF-8 (raw invalid bytes, a lone surrogate encoded as CESU-8)', async () => {
    const before = await countRows(t, 'audit_entries');
    for (const bytes of [Buffer.from([0xff, 0xfe]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc3])]) {
      const raw = Buffer.concat([Buffer.from('{"name":"bad-utf8","zone":"dedicated","description":"x'), bytes, Buffer.from('"}')]);
      const reply = await t.call('POST', '/api/v1/vrfs', { raw: new Uint8Array(raw), headers: { 'content-type': 'application/json' } });
      expect(reply.status, reply.text).toBe(400);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.body.code).toBe('invalid_json');
    }
    expect(await countRows(t, 'audit_entries')).toBe(before);
  });

  it('refuses bad text in imported CSV and XLSX cells, row by row, and imports nothing', async () => {
    const header = 'vrf,cidr,holder,status,description';
    const csv = [header, 'public,10.77.0.0/16,450000,pool,好的', 'public,10.78.0.0/16,450000,pool,"a\u0000b"', 'public,10.79.0.0/16,450000,pool,"esc\u001bhere"', 'public,10.80.0.0/16,450000,pool,"多行\n描述"', 'public,10.81.0.0/16,450000,pool,"del\u007f"'].join('\r\n');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('plan');
    sheet.addRow(header.split(','));
    sheet.addRow(['public', '10.82.0.0/16', '450000', 'pool', '好的']);
    // Excel writes a control character in a cell as the OOXML escape _xHHHH_ (exceljs would drop it raw).
    sheet.addRow(['public', '10.83.0.0/16', '450000', 'pool', 'bell_x0007_here']);
    const xlsx = new Uint8Array(await workbook.xlsx.writeBuffer());
    const files: [string, string | Uint8Array, Record<number, string>][] = [
      ['text/csv', csv, { 2: 'ok', 3: 'validation_failed', 4: 'validation_failed', 5: 'ok', 6: 'validation_failed' }],
      ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', xlsx, { 2: 'ok', 3: 'validation_failed' }],
    ];
    for (const [type, raw, expected] of files) {
      const before = { prefixes: await countRows(t, 'prefixes'), audit: await countRows(t, 'audit_entries') };
      const dry = await t.call('POST', '/api/v1/prefixes/import?dryRun=true', { raw, headers: { 'content-type': type } });
      expect(dry.status, dry.text).toBe(200);
      const rows = dry.body.rows as { line: number; ok: boolean; code: string | null; message: string }[];
      expect(Object.fromEntries(rows.map((r) => [r.line, r.ok ? 'ok' : r.code])), type).toEqual(expected);
      for (const refused of rows.filter((r) => !r.ok)) expect(refused.message, type).toMatch(/^description: contains the control character U\+00/);
      const real = await t.call('POST', '/api/v1/prefixes/import', { raw, headers: { 'content-type': type } });
      expect(real.status, real.text).toBe(422);
      expect({ prefixes: await countRows(t, 'prefixes'), audit: await countRows(t, 'audit_entries') }).toEqual(before);
    }
  });

  it('answers 400, not 500, when the database itself refuses text (the backstop behind validation)', async () => {
    const refusals = [
      sql`SELECT ${'{"a":"\\u0000"}'}::jsonb`, // 22P05: jsonb has no NUL
      sql`SELECT ${'"\\ud800"'}::jsonb`, // a lone surrogate escape in jsonb
      sql`SELECT ${'abc'}::bigint`, // 22P02
      sql`SELECT ${'2025-02-30T00:00:00Z'}::timestamptz`, // 22008: no 30 February
      sql`SELECT ${'yesterday-ish'}::timestamptz`, // 22007
      sql`SELECT length(${'a\u0000b'})`, // 22021: text has no NUL
    ];
    for (const query of refusals) {
      const err = await t.database.db.execute(query).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, String(query.queryChunks[1])).toBeDefined();
      const answer = translateDbError(err);
      expect(answer, `${String(err)}`).toBeInstanceOf(Problem);
      expect(answer).toMatchObject({ status: 400, code: 'validation_failed' });
    }
  });

  it('keeps line breaks and tabs where text is prose, and paired surrogates (emoji) everywhere', async () => {
    const description = '第一行\n第二行\r\n\t缩进 🌏';
    const created = await t.call('POST', '/api/v1/vrfs', { body: { name: 'bad-input-prose', zone: 'dedicated', description } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.description).toBe(description);
    const unit = await t.call('POST', '/api/v1/units', { body: { code: 'BAD-INPUT-EMOJI', name: '表情 🌏 单位', parent: '450100', kind: 'department' } });
    expect(unit.status, unit.text).toBe(201);
    expect(unit.body.name).toBe('表情 🌏 单位');
  });
});
