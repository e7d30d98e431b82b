import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromCsvCell, toCsvCell } from './io.js';

const formulaStart = /^[=+\-@\t\r\n＝＋－＠]/;

describe('CSV cells carry no live formulas', () => {
  it.each([
    ['=HYPERLINK("http://attacker.example","x")', `'=HYPERLINK("http://attacker.example","x")`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(1)', "'@SUM(1)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
    ['\n=1+1', "'\n=1+1"],
    ['＝1+1', "'＝1+1"],
    ["'x", "''x"],
    ['plain', 'plain'],
    [' =1+1', ' =1+1'],
    ['', ''],
  ])('writes %j as %j', (value, cell) => {
    expect(toCsvCell(value)).toBe(cell);
    expect(fromCsvCell(cell)).toBe(value);
  });

  it('reads back every text exactly, and never writes a cell a spreadsheet takes as a formula', () => {
    const start = fc.constantFrom('', '=', '+', '-', '@', '\t', '\r', '\n', "'", "''", '＝', '＋', '－', '＠', ' ');
    const text = fc.tuple(start, fc.string()).map(([head, rest]) => head + rest);
    fc.assert(
      fc.property(text, (value) => {
        const cell = toCsvCell(value);
        expect(formulaStart.test(cell)).toBe(false);
        expect(fromCsvCell(cell)).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('survives the CSV writer and reader, tabs and line breaks included', async () => {
    const values = ['\t=1+1', '\r=1+1', '\n=1+1', "'", "''", '-', 'a,"b"'];
    const out = new ExcelJS.Workbook();
    const sheet = out.addWorksheet('plan');
    for (const v of values) sheet.addRow([toCsvCell(v)]);
    const bytes = Buffer.from(await out.csv.writeBuffer());
    const back = await new ExcelJS.Workbook().csv.read(Readable.from([bytes]), { map: (v: unknown) => v } as never);
    const read: string[] = [];
    back.eachRow((row) => void read.push(fromCsvCell(String(row.getCell(1).value))));
    expect(read).toEqual(values);
  });
});
