import { Readable } from 'node:stream';
import { z } from '@hono/zod-openapi';
import { and, asc, eq } from 'drizzle-orm';
import type ExcelJS from 'exceljs';

/**
 * exceljs is loaded on the first import or export, not at start: it is the largest module the
 * server would load (measured: ~27 MiB resident and ~0.4 s), and most processes never use it.
 */
let excel: Promise<typeof ExcelJS> | undefined;
const loadExcel = () => (excel ??= import('exceljs').then((m) => (m.default ?? m) as typeof ExcelJS));
import { mutate, read, type Ctx } from '../../../context.js';
import { toProblem } from '../../../db/errors.js';
import { invalid, Problem } from '../../../http/problem.js';
import { findTextFault } from '../../../text.js';
import { parseCidr, readStoredCidr } from '../../../net/cidr.js';
import { authorize } from '../../access/authorize.js';
import { createPrefixInput, vrfName } from '../inputs.js';
import { prefixes, vrfs } from '../schema.js';
import { prefixReadable } from '../lookup.js';
import { registerPrefix } from './prefixes.js';

/** The address plan's columns, in the order provinces keep them in Excel. */
export const planColumns = ['vrf', 'cidr', 'holder', 'status', 'description'] as const;
const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const importQuery = z.object({ dryRun: z.enum(['true', 'false']).default('false') }).strict();
export const exportQuery = z.object({ format: z.enum(['csv', 'xlsx']).default('csv'), vrf: vrfName.optional() }).strict();
export const importResultSchema = z
  .object({
    imported: z.number().int(),
    rows: z.array(z.object({ line: z.number().int(), ok: z.boolean(), code: z.string().nullable(), message: z.string(), id: z.string().nullable() })),
  })
  .openapi('ImportResult');

/**
 * CSV carries no cell types, so a spreadsheet opening it reads a cell that begins with = + - @,
 * a tab, CR or LF, or the full-width ＝ ＋ － ＠ (Excel in CJK locales), as a formula: a
 * description `=HYPERLINK(…)` becomes a live link (OWASP "CSV Injection", WSTG-INPV-21). Such a
 * cell is written with a leading apostrophe, the spreadsheet's own mark for "text". A cell that
 * already begins with an apostrophe gets one more, so the reader removes exactly one leading
 * apostrophe from any cell that has one and the round trip is exact: `=x` ↔ `'=x`, `'x` ↔ `''x`.
 * XLSX has cell types: it is written as text cells in the Text format and needs no mark.
 */
const needsTextMark = /^['=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

export function toCsvCell(value: string): string {
  return needsTextMark.test(value) ? `'${value}` : value;
}

export function fromCsvCell(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}

interface PlanRow {
  line: number;
  cells: Record<(typeof planColumns)[number], string>;
}

/** Cells as the text a person typed: exceljs would otherwise turn "2024-01-01" into a Date. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && value !== null && 'richText' in value) return (value as { richText: { text: string }[] }).richText.map((r) => r.text).join('');
  if (typeof value === 'object' && value !== null && 'text' in value) return String((value as { text: unknown }).text);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

async function readPlan(contentType: string, body: Uint8Array): Promise<PlanRow[]> {
  const workbook = new (await loadExcel()).Workbook();
  let sheet: ExcelJS.Worksheet | undefined;
  try {
    if (contentType === 'text/csv') {
      sheet = await workbook.csv.read(Readable.from([Buffer.from(body)]), { map: (value: unknown) => value } as never);
    } else if (contentType === xlsxType) {
      await workbook.xlsx.load(Buffer.from(body) as never);
      sheet = workbook.worksheets[0];
    }
  } catch (err) {
    throw invalid(`the file cannot be read as ${contentType === xlsxType ? 'XLSX' : 'CSV'}: ${(err as Error).message}`);
  }
  if (!sheet) throw invalid('the file holds no sheet');
  const csv = contentType === 'text/csv';
  const text = (value: unknown) => (csv ? fromCsvCell(cellText(value)) : cellText(value));
  const header = (sheet.getRow(1).values as unknown[]).slice(1).map((v) => text(v).trim().toLowerCase());
  const missing = planColumns.filter((c) => !header.includes(c));
  if (missing.length) throw invalid(`the first row must name the columns ${planColumns.join(', ')}; missing ${missing.join(', ')}`, { field: 'header' });
  const rowsOut: PlanRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (number === 1) return;
    const values = (row.values as unknown[]).slice(1);
    // The description comes back exactly as exported; the other columns forgive stray spaces.
    const cells = Object.fromEntries(planColumns.map((c) => [c, c === 'description' ? text(values[header.indexOf(c)]) : text(values[header.indexOf(c)]).trim()])) as PlanRow['cells'];
    if (Object.values(cells).every((v) => v === '')) return;
    rowsOut.push({ line: number, cells });
  });
  if (rowsOut.length > 50_000) throw new Problem(413, 'payload_too_large', 'an import takes at most 50,000 rows; split the plan');
  return rowsOut;
}

class Verdicts extends Error {
  constructor(readonly rows: z.infer<typeof importResultSchema>['rows']) {
    super('import verdicts');
  }
}

/**
 * Imports an address plan in one transaction, all rows or none. Each row goes through the same
 * registerPrefix() as POST /prefixes inside a savepoint, so a dry run gives the verdict each row
 * would really get (including rows that depend on earlier rows), and then rolls everything back.
 */
export async function importPrefixes(ctx: Ctx, input: { contentType: string; body: Uint8Array; dryRun: boolean }) {
  authorize(ctx, 'prefix.import');
  const plan = await readPlan(input.contentType, input.body);
  // Parents before children: shorter prefixes first within each VRF and family.
  const ordered = plan
    .map((row) => {
      try {
        return { row, key: parseCidr(row.cells.cidr) };
      } catch {
        return { row, key: null };
      }
    })
    .sort((a, b) => {
      if (!a.key || !b.key) return a.row.line - b.row.line;
      return a.row.cells.vrf.localeCompare(b.row.cells.vrf) || a.key.family - b.key.family || a.key.length - b.key.length || (a.key.network < b.key.network ? -1 : a.key.network > b.key.network ? 1 : 0);
    });
  try {
    const rows = await mutate(ctx, async (tx, audit) => {
      const verdicts: z.infer<typeof importResultSchema>['rows'] = [];
      for (const { row } of ordered) {
        // The same text rule as every JSON request (a NUL or control character in a cell).
        const fault = findTextFault(row.cells);
        if (fault) {
          verdicts.push({ line: row.line, ok: false, code: 'validation_failed', message: `${fault.field}: ${fault.message}`, id: null });
          continue;
        }
        const parsed = createPrefixInput.safeParse({
          vrf: row.cells.vrf || 'public',
          cidr: row.cells.cidr,
          holder: row.cells.holder,
          status: row.cells.status || undefined,
          description: row.cells.description,
        });
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          verdicts.push({ line: row.line, ok: false, code: 'validation_failed', message: `${issue.path.join('.')}: ${issue.message}`, id: null });
          continue;
        }
        try {
          const created = await tx.transaction((savepoint) => registerPrefix(ctx, savepoint, audit, parsed.data));
          verdicts.push({ line: row.line, ok: true, code: null, message: `${readStoredCidr(created.prefix).text} ${created.status} to ${created.holderCode}`, id: String(created.id) });
        } catch (err) {
          const problem = toProblem(err);
          if (!problem) throw err;
          verdicts.push({ line: row.line, ok: false, code: problem.code, message: problem.detail, id: null });
        }
      }
      verdicts.sort((a, b) => a.line - b.line);
      if (input.dryRun || verdicts.some((v) => !v.ok)) throw new Verdicts(verdicts);
      return verdicts;
    });
    return { imported: rows.length, rows };
  } catch (err) {
    if (!(err instanceof Verdicts)) throw err;
    if (input.dryRun) return { imported: 0, rows: err.rows };
    const failed = err.rows.filter((r) => !r.ok);
    throw new Problem(422, 'rule_violation', `${failed.length} of ${err.rows.length} rows were refused, so nothing was imported; first: line ${failed[0].line}: ${failed[0].message}`, { rows: err.rows });
  }
}

export async function exportPrefixes(ctx: Ctx, query: z.infer<typeof exportQuery>) {
  authorize(ctx, 'prefix.read');
  return read(async () => {
    const found = await ctx.db
      .select({ vrf: vrfs.name, prefix: prefixes.prefix, holder: prefixes.holderCode, status: prefixes.status, description: prefixes.description })
      .from(prefixes)
      .innerJoin(vrfs, eq(vrfs.id, prefixes.vrfId))
      .where(and(query.vrf ? eq(vrfs.name, query.vrf) : undefined, prefixReadable(ctx)))
      .orderBy(asc(vrfs.id), asc(prefixes.family), asc(prefixes.prefix));
    const workbook = new (await loadExcel()).Workbook();
    const sheet = workbook.addWorksheet('address plan');
    const xlsx = query.format === 'xlsx';
    // Text format ('@'): a person editing a cell in Excel keeps text, never a formula or a date.
    if (xlsx) sheet.columns = planColumns.map(() => ({ style: { numFmt: '@' } }));
    const cell = xlsx ? (value: string) => value : toCsvCell;
    sheet.addRow([...planColumns]);
    for (const r of found) sheet.addRow([r.vrf, readStoredCidr(r.prefix).text, r.holder, r.status, r.description].map(cell));
    if (xlsx) return { body: new Uint8Array(await workbook.xlsx.writeBuffer()), contentType: xlsxType, filename: 'address-plan.xlsx' };
    return { body: new Uint8Array(await workbook.csv.writeBuffer()), contentType: 'text/csv; charset=utf-8', filename: 'address-plan.csv' };
  });
}
