import type ExcelJS from 'exceljs';
import { sql, type SQL } from 'drizzle-orm';
import { read, type Ctx } from '../../../context.js';
import { rows } from '../../../db/client.js';
import { invalid } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import { unitInScope } from '../../access/scope.js';
import { currentCalendar } from '../../calendar/store.js';
import { shanghaiDate, workdaysBetween } from '../../calendar/workdays.js';
import { loadUnit } from '../../divisions/service.js';
import { daysBetween } from '../dates.js';
import type { AssessmentQuery, AssessmentRow, AssessmentView } from '../inputs.js';
import { bandOf, median, percent } from '../stats.js';

/**
 * exceljs is loaded with the first report file, as ipam's import and export load it: at the top it
 * cost every start ~0.4 s and ~20 MiB resident (measured for issue 14), for a file asked for a few
 * times a year.
 */
let excel: Promise<typeof ExcelJS> | undefined;
const loadExcel = () => (excel ??= import('exceljs').then((m) => (m.default ?? m) as typeof ExcelJS));

type Count = { code: string; n: number };
const byCode = <T extends { code: string }>(list: T[]) => new Map(list.map((r) => [r.code, r]));

/**
 * Article 22 (绩效考核): for a year and a level, per O&M unit of that level, computed from the
 * registry's own records. Instants are cut at the Shanghai calendar days [from, to].
 */
export async function assessmentReport(ctx: Ctx, query: Pick<AssessmentQuery, 'year' | 'level' | 'within'>): Promise<AssessmentView> {
  authorize(ctx, 'report.read');
  return read(async () => {
    const year = Number(query.year);
    const today = shanghaiDate(ctx.now());
    const from = `${year}-01-01`;
    if (daysBetween(today, from) > 0) throw invalid(`year: ${year} has not begun (today is ${today})`, { field: 'year' });
    const to = today < `${year}-12-31` ? today : `${year}-12-31`;
    // Instants inside the Shanghai days [from, to]: UTC+8, no daylight saving (calendar/workdays.ts).
    const start = new Date(`${from}T00:00:00+08:00`).toISOString();
    const end = new Date(new Date(`${to}T00:00:00+08:00`).getTime() + 86_400_000).toISOString();
    const db = ctx.db;
    const scope = unitInScope(ctx, sql.raw('u.code')) ?? sql`TRUE`;
    const within: SQL = query.within ? sql`u.path LIKE ${`${(await loadUnit(db, query.within)).path}%`}` : sql`TRUE`;
    const assessed = await rows<{ code: string; name: string; path: string }>(
      db,
      sql`SELECT u.code, u.name, u.path FROM units u WHERE u.kind = 'division' AND u.level = ${query.level} AND u.retired_at IS NULL AND ${scope} AND ${within} ORDER BY u.code`,
    );
    const codes = assessed.map((u) => u.code);
    if (codes.length === 0) return { year, level: query.level, from, to, units: [] };
    const list = sql`(${sql.join(codes.map((c) => sql`${c}`), sql`, `)})`;

    const calendar = await currentCalendar(db);
    const apps = await rows<{ code: string; accepted_on: string | null; deadline: string | null; decided_on: string | null }>(
      db,
      sql`SELECT reviewer_code AS code, accepted_on::text, deadline::text, (decided_at AT TIME ZONE 'Asia/Shanghai')::date::text AS decided_on
          FROM applications WHERE reviewer_code IN ${list} AND submitted_on BETWEEN ${from}::date AND ${to}::date AND status <> 'withdrawn'`,
    );
    const incidentsOf = await rows<{ code: string; reported: number; major: number; resolved: number; minutes: number[] | string }>(
      db,
      sql`SELECT i.reported_to AS code, count(*)::int AS reported,
                 count(h.incident_id) FILTER (WHERE h.severity = 'major')::int AS major,
                 count(*) FILTER (WHERE i.resolved_at IS NOT NULL AND i.resolved_at < ${end}::timestamptz)::int AS resolved,
                 coalesce(array_to_json(array_agg(extract(epoch FROM i.resolved_at - i.opened_at) / 60) FILTER (WHERE i.resolved_at IS NOT NULL AND i.resolved_at < ${end}::timestamptz)), '[]') AS minutes
          FROM incidents i LEFT JOIN incident_handling h ON h.incident_id = i.id
          WHERE i.reported_to IN ${list} AND i.opened_at >= ${start}::timestamptz AND i.opened_at < ${end}::timestamptz
          GROUP BY i.reported_to`,
    );
    const expansionOf = await rows<{ code: string; raised: number; handled: number; fulfilled: number }>(
      db,
      sql`SELECT unit_code AS code, count(*)::int AS raised,
                 count(*) FILTER (WHERE decided_at < ${end}::timestamptz)::int AS handled,
                 count(*) FILTER (WHERE fulfilled_at < ${end}::timestamptz)::int AS fulfilled
          FROM expansion_requests WHERE unit_code IN ${list} AND raised_at >= ${start}::timestamptz AND raised_at < ${end}::timestamptz
          GROUP BY unit_code`,
    );
    // Per link, the 95th percentile of the busier direction's 5-minute utilization over the period.
    const linkP95 = await rows<{ code: string; p95: number | null }>(
      db,
      sql`SELECT l.paying_unit_code AS code,
                 (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY greatest(coalesce(r.in_percent, 0), coalesce(r.out_percent, 0)))
                  FROM link_rollups r WHERE r.link_id = l.id AND r.bucket_at >= ${start}::timestamptz AND r.bucket_at < ${end}::timestamptz
                    AND (r.in_percent IS NOT NULL OR r.out_percent IS NOT NULL)) AS p95
          FROM links l WHERE l.paying_unit_code IN ${list}`,
    );
    const migrationOf = await rows<{ code: string; planned: number; migrated: number; overdue: number }>(
      db,
      sql`SELECT u.parent_code AS code, count(*)::int AS planned,
                 count(*) FILTER (WHERE m.migrated_on <= ${to}::date)::int AS migrated,
                 count(*) FILTER (WHERE m.planned_on < ${to}::date AND (m.migrated_on IS NULL OR m.migrated_on > ${to}::date))::int AS overdue
          FROM migration_plans m JOIN units u ON u.code = m.owner_unit_code
          WHERE u.parent_code IN ${list} GROUP BY u.parent_code`,
    );
    const drillsOf = await rows<Count>(
      db,
      sql`SELECT unit_code AS code, count(*)::int AS n FROM drills WHERE unit_code IN ${list} AND held_on BETWEEN ${from}::date AND ${to}::date GROUP BY unit_code`,
    );
    const findingsOf = await rows<Count>(
      db,
      sql`SELECT a.code, count(f.id)::int AS n
          FROM units a JOIN units o ON o.path LIKE a.path || '%' JOIN devices d ON d.owner_unit_code = o.code JOIN findings f ON f.device_id = d.id
          WHERE a.code IN ${list} AND f.opened_at < ${end}::timestamptz AND (f.resolved_at IS NULL OR f.resolved_at >= ${end}::timestamptz)
          GROUP BY a.code`,
    );

    const inc = byCode(incidentsOf);
    const exp = byCode(expansionOf);
    const mig = byCode(migrationOf);
    const dri = byCode(drillsOf);
    const fin = byCode(findingsOf);
    const units: AssessmentRow[] = assessed.map((u) => {
      const mine = apps.filter((a) => a.code === u.code);
      const decided = mine.filter((a) => a.decided_on !== null && a.decided_on <= to);
      const inTime = decided.filter((a) => a.deadline !== null && a.decided_on! <= a.deadline);
      const workdays = decided.filter((a) => a.accepted_on).map((a) => workdaysBetween(calendar, a.accepted_on!, a.decided_on!));
      const i = inc.get(u.code);
      const minutes = i ? (typeof i.minutes === 'string' ? (JSON.parse(i.minutes) as number[]) : i.minutes).map(Number) : [];
      const medianMinutes = median(minutes);
      const p95s = linkP95.filter((l) => l.code === u.code);
      const withData = p95s.filter((l) => l.p95 !== null);
      const bands = { under50: 0, from50to70: 0, from70to90: 0, atLeast90: 0 };
      for (const l of withData) bands[bandOf(Number(l.p95))]++;
      const m = mig.get(u.code);
      return {
        unit: u.code,
        unitName: u.name,
        applications: {
          received: mine.length,
          accepted: mine.filter((a) => a.accepted_on !== null).length,
          decided: decided.length,
          decidedWithinDeadline: inTime.length,
          withinDeadlinePercent: percent(inTime.length, decided.length),
          medianWorkdaysToDecide: median(workdays),
        },
        incidents: { reported: i?.reported ?? 0, major: i?.major ?? 0, resolved: i?.resolved ?? 0, medianMinutesToResolve: medianMinutes === null ? null : Math.round(medianMinutes * 10) / 10 },
        expansion: { raised: exp.get(u.code)?.raised ?? 0, handled: exp.get(u.code)?.handled ?? 0, fulfilled: exp.get(u.code)?.fulfilled ?? 0 },
        linkUtilization: { links: p95s.length, withData: withData.length, ...bands },
        migration: { planned: m?.planned ?? 0, migrated: m?.migrated ?? 0, overdue: m?.overdue ?? 0, migratedPercent: percent(m?.migrated ?? 0, m?.planned ?? 0) },
        drills: dri.get(u.code)?.n ?? 0,
        findingsOpen: fin.get(u.code)?.n ?? 0,
      };
    });
    return { year, level: query.level, from, to, units };
  });
}

/** The columns of the CSV and XLSX: Chinese headings for the supervisors' spreadsheets, one figure per column. */
const columns: [string, (r: AssessmentRow) => string | number | null][] = [
  ['单位代码', (r) => r.unit],
  ['单位名称', (r) => r.unitName],
  ['收到申请', (r) => r.applications.received],
  ['受理', (r) => r.applications.accepted],
  ['办结', (r) => r.applications.decided],
  ['按期办结', (r) => r.applications.decidedWithinDeadline],
  ['按期办结率(%)', (r) => r.applications.withinDeadlinePercent],
  ['办结工作日中位数', (r) => r.applications.medianWorkdaysToDecide],
  ['故障', (r) => r.incidents.reported],
  ['重大故障', (r) => r.incidents.major],
  ['已恢复', (r) => r.incidents.resolved],
  ['恢复时长中位数(分钟)', (r) => r.incidents.medianMinutesToResolve],
  ['扩容申请', (r) => r.expansion.raised],
  ['扩容已处理', (r) => r.expansion.handled],
  ['扩容已完成', (r) => r.expansion.fulfilled],
  ['链路数', (r) => r.linkUtilization.links],
  ['有数据链路', (r) => r.linkUtilization.withData],
  ['P95<50%', (r) => r.linkUtilization.under50],
  ['P95 50-70%', (r) => r.linkUtilization.from50to70],
  ['P95 70-90%', (r) => r.linkUtilization.from70to90],
  ['P95≥90%', (r) => r.linkUtilization.atLeast90],
  ['专网迁移计划', (r) => r.migration.planned],
  ['已迁移', (r) => r.migration.migrated],
  ['逾期未迁移', (r) => r.migration.overdue],
  ['迁移完成率(%)', (r) => r.migration.migratedPercent],
  ['应急演练', (r) => r.drills],
  ['未关闭发现', (r) => r.findingsOpen],
];

export async function assessmentFile(ctx: Ctx, query: AssessmentQuery): Promise<{ body: Uint8Array; contentType: string; filename: string }> {
  const report = await assessmentReport(ctx, query);
  const { Workbook } = await loadExcel();
  const workbook = new Workbook();
  const sheet = workbook.addWorksheet(`${report.year} ${report.level}`);
  sheet.addRow(columns.map(([heading]) => heading));
  for (const row of report.units) sheet.addRow(columns.map(([, cell]) => cell(row) ?? ''));
  const filename = `assessment-${report.year}-${report.level}.${query.format}`;
  if (query.format === 'xlsx') {
    return { body: new Uint8Array(await workbook.xlsx.writeBuffer()), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename };
  }
  // A BOM, so that Excel on a Chinese Windows opens the UTF-8 CSV with the headings intact.
  const csv = Buffer.from(await workbook.csv.writeBuffer());
  return { body: new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), csv])), contentType: 'text/csv; charset=utf-8', filename };
}
