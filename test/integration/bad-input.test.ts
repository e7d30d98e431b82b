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

type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } };
type OpenApiDocument = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

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
const multiline = new Set(['description', 'opinion', 'comment', 'privateKey', 'document', 'findings']);
const lineBreaks: [string, string][] = [
  ['LF', '\n'],
  ['TAB', '\t'],
];

const poisoned = (example: string, poison: string) => example.slice(0, Math.ceil(example.length / 2)) + poison + example.slice(Math.ceil(example.length / 2));

const pem = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
const channels = { hotline: '0771-1234567', email: 'ops@nanning.gx.invalid', website: 'https://nanning.gx.invalid/', wechat: 'nanning-gov' };
const nameservers = [{ name: 'ns1.bad-input.example', addresses: ['10.0.0.53'] }];
const soa = { rname: 'hostmaster@bad-input.example', refresh: 3600 };
const deviceBody = {
  hostname: 'bad-input-pe-01',
  room: '1',
  role: 'pe',
  vendor: 'huawei',
  dialect: 'huawei-vrp',
  model: 'NE40E-X8',
  serial: '2102351234',
  mgmtAddress: '10.45.0.10',
  mgmtVrf: 'public',
  ownerUnit: '450100',
  responsible: { name: '韦工', phone: '0771-5550000' },
  interfaces: [{ name: 'GigabitEthernet0/0/1', address: '10.1.2.1/30' }],
  snmp: { agent: 'agent-bad-input', version: '3', port: 161, user: 'poller', authProtocol: 'SHA', authKey: 'auth-key-123', privProtocol: 'AES', privKey: 'priv-key-123' },
  ssh: { agent: 'agent-bad-input', port: 22, username: 'netops', password: 'ssh-password-1', hostKeySha256: `SHA256:${'A'.repeat(43)}` },
};
const deviceVariant = { ...deviceBody, snmp: { version: '2c', community: 'public-community' }, ssh: { username: 'netops', privateKey: pem, passphrase: 'key-passphrase' } };
const linkBody = { name: '南宁—兴宁 专线', aDevice: '1', aInterface: 'GigabitEthernet0/0/1', zDevice: '2', zInterface: 'GigabitEthernet0/0/2', capacityMbps: 100, payingUnit: '450102', circuitId: 'GX-001', carrier: '中国电信' };

/**
 * One valid body (or several, for fields that exclude each other) per JSON write endpoint. The
 * bodies only need to pass validation: the text check runs before any verb, so ids need not exist.
 * A new endpoint without an entry here fails the test below.
 */
const examples: Record<string, object[]> = {
  'POST /api/v1/units': [
    { code: 'BAD-INPUT-1', name: '坏输入测试局', parent: '450100', kind: 'department', channels },
    { code: '450199', name: '坏输入区', parent: '450100', kind: 'division', type: 'district' },
  ],
  'PATCH /api/v1/units/{code}': [{ name: '坏输入测试局', channels }],
  'POST /api/v1/domains': [{ name: 'bad-input.example', holder: '450000', nameservers, soa }],
  'PATCH /api/v1/domains/{id}': [{ nameservers, soa }],
  'POST /api/v1/domains/{id}/delegate': [{ label: 'nanning', holder: '450100', nameservers, soa }],
  'POST /api/v1/domains/{id}/records': [{ name: 'www', type: 'TXT', value: 'v=spf1 -all' }],
  'POST /api/v1/users': [{ username: 'bad-input-user', displayName: '坏输入', unit: '450100', role: 'operator', password: 'a-long-password' }],
  'POST /api/v1/users/{username}/tokens': [{ expiresAt: '2030-01-01T00:00:00+08:00' }],
  'POST /api/v1/users/{username}/password': [{ currentPassword: 'the-old-password', newPassword: 'a-new-longer-password' }],
  'POST /api/v1/vrfs': [{ name: 'bad-input-vpn', zone: 'dedicated', description: '专网 VPN' }],
  'POST /api/v1/prefixes': [{ vrf: 'public', cidr: '10.99.0.0/16', holder: '450100', status: 'allocated', description: '南宁' }],
  'PATCH /api/v1/prefixes/{id}': [{ description: '南宁', status: 'reserved' }],
  'POST /api/v1/prefixes/{id}/allocate': [{ prefixLength: 24, holder: '450102', status: 'allocated', strategy: 'first', description: '兴宁' }],
  'POST /api/v1/prefixes/{id}/addresses': [{ address: '10.99.0.10', holder: '450100', hostname: 'www.nanning', description: 'web' }],
  'POST /api/v1/rooms': [{ name: '南宁机房', unit: '450100', address: '南宁市青秀区民族大道 1 号' }],
  'PATCH /api/v1/rooms/{id}': [{ name: '南宁机房', address: '南宁市青秀区民族大道 1 号' }],
  'POST /api/v1/devices': [deviceBody, deviceVariant],
  'PATCH /api/v1/devices/{id}': [deviceBody, deviceVariant],
  'POST /api/v1/links': [linkBody],
  'PATCH /api/v1/links/{id}': [{ name: linkBody.name, payingUnit: '450102', circuitId: 'GX-001', carrier: '中国电信' }],
  'POST /api/v1/webhooks': [{ unit: '450100', url: 'https://ops.nanning.gx.invalid/events', secret: 'a-signing-secret-of-some-length', events: ['incident.opened'] }],
  'PATCH /api/v1/webhooks/{id}': [{ url: 'https://ops.nanning.gx.invalid/events', secret: 'a-signing-secret-of-some-length', events: ['incident.opened'] }],
  'POST /api/v1/readings': [
    { readings: [{ device: '1', ifName: 'GigabitEthernet0/0/1', at: '2025-01-06T08:00:00+08:00', sysUpTime: 100, inOctets: '1000', outOctets: '2000', counterBits: 64, operStatus: 'up' }] },
  ],
  'PUT /api/v1/policies/expansion': [{ percentile: 95, thresholdPercent: 80, windowDays: 7, targetPercent: 60 }],
  'POST /api/v1/expansion-requests/{id}/decision': [{ decision: 'approve', opinion: '同意扩容' }],
  'POST /api/v1/findings/{id}/resolve': [{ comment: '已核实' }],
  'POST /api/v1/applications': [
    {
      type: 'access',
      applicant: 'BAD-INPUT-1',
      zones: ['public'],
      bandwidthMbps: 100,
      securityLevel: 3,
      secrecyCheck: { done: true, classified: false },
      systems: [{ name: '不动产登记系统' }],
      contact: { name: '李明', phone: '0771-5551234' },
      boundaryResponsible: { name: '韦工', phone: '0771-5550000' },
      coApplicants: ['450102'],
    },
    { type: 'ip', applicant: '450102', ip: { vrf: 'public', prefixLength: 24 }, contact: { name: '李明', phone: '0771-5551234' } },
    { type: 'domain', applicant: '450102', domain: { parentId: '1', label: 'xingning', nameservers }, contact: { name: '李明', phone: '0771-5551234' } },
    { type: 'plan', applicant: '450102', plan: { title: '扩容方案', scope: '县级链路扩容', document: '一、现状', expansionRequestId: '1' }, contact: { name: '李明', phone: '0771-5551234' } },
  ],
  'POST /api/v1/applications/{id}/decision': [{ decision: 'approve', opinion: '同意', pool: '1' }],
  'POST /api/v1/agreements/{id}/signatures': [{ party: 'applicant', signerName: '李明' }],
  'POST /api/v1/migrations': [{ network: '教育业务专网', owner: 'BAD-INPUT-1', vrf: 'bad-input-vpn', plannedOn: '2027-06-30', note: '分两批迁移' }],
  'PATCH /api/v1/migrations/{id}': [{ network: '教育业务专网', vrf: 'bad-input-vpn', plannedOn: '2027-06-30', status: 'migrated', migratedOn: '2026-11-30', note: '已完成' }],
  'POST /api/v1/website-filings': [{ siteName: '南宁市教育局门户', domain: 'www.edu.nanning.gx.example', addresses: ['10.45.1.80'], responsible: 'BAD-INPUT-1', responsibleName: '李明', responsiblePhone: '0771-5551234', filingNumber: '桂政网备 2026-0001', filedOn: '2026-11-20', assistingUnit: '450100', assistance: '协助核对域名和地址' }],
  'PATCH /api/v1/website-filings/{id}': [{ siteName: '南宁市教育局门户', domain: 'www.edu.nanning.gx.example', addresses: ['10.45.1.80'], responsible: 'BAD-INPUT-1', responsibleName: '李明', responsiblePhone: '0771-5551234', filingNumber: '桂政网备 2026-0001', filedOn: '2026-11-20', assistingUnit: '450100', assistance: '协助核对域名和地址' }],
  'PUT /api/v1/emergency-plans/{code}': [{ title: '南宁市电子政务外网突发事件应急预案', revisedOn: '2026-06-30' }],
  'POST /api/v1/drills': [{ unit: '450100', heldOn: '2026-11-20', scenario: '城域网核心链路中断', findings: '备用链路切换耗时 8 分钟' }],
  'POST /api/v1/incidents/{id}/severity': [{ severity: 'major', comment: '市级核心节点中断，影响全市接入' }],
  'POST /api/v1/incidents/{id}/acknowledge': [{ comment: '已收到，正在处置' }],
  'POST /api/v1/incidents/{id}/notes': [{ comment: '已安排运营商抢修' }],
  'PUT /api/v1/calendar/{year}': [
    {
      $schema: 'https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json',
      $id: 'https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/2027.json',
      year: 2027,
      papers: ['https://www.gov.cn/zhengce/content/notice.htm'],
      days: [{ name: '元旦', date: '2027-01-01', isOffDay: true }],
    },
  ],
};

/** Path parameters of a well-formed request (the values only need to pass validation). */
const pathValues: Record<string, string> = { year: '2027', id: '1', code: '450100', username: 'admin', name: '0.45.10.in-addr.arpa', address: '10.45.0.1', length: '24' };
/** Required query parameters of a well-formed request. */
const queryValues: Record<string, string> = { device: '1', from: '2026-09-30', days: '3', year: '2026', level: 'county' };

const urlOf = (path: string, params: Record<string, string> = {}) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? pathValues[name]));

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
        missing.push(`${key}: no example body — add one to \`examples\` in test/integration/bad-input.test.ts`);
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
