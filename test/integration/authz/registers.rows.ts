// The registers of chapter 3 (issue 11): migrations, website filings, emergency plans and drills,
// major faults, the assessment report. Row shape and fixtures: test/support/authz.ts.
import { sql } from 'drizzle-orm';
import { rows as sqlRows } from '../../../server/db/client.js';
import { acrossCounties, forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';

const managers = (ok: number) => ({ admin: ok, operator: ok, auditor: 403, applicant: 403, agent: 403, none: 401 });
const outOfScope = (ok: number) => ({ admin: ok, operator: 403 });
/** A direct GET of an object of the place: operators of Nanning read both counties, not Liuzhou; the applicant only its own department. */
const placeReads = {
  in: { admin: 200, auditor: 200, operator: 200, countyOperator: 200, applicant: 404, agent: 403, none: 401 },
  sibling: { admin: 200, auditor: 200, operator: 200, countyOperator: 404, applicant: 404 },
  out: { admin: 200, auditor: 200, operator: 404, countyOperator: 404, applicant: 404 },
} as const;
const lists = { admin: 200, auditor: 200, operator: 200, countyOperator: 200, applicant: 200, agent: 403, none: 401 };

async function asAdmin(f: AuthzFixtures, method: string, path: string, body: unknown): Promise<{ id: string }> {
  const reply = await f.t.call(method, path, { body });
  if (reply.status !== 201) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

// ---- migrations --------------------------------------------------------------------------
const dedicatedVrf = async (f: AuthzFixtures) => {
  const name = f.unique('vpn').toLowerCase();
  await asAdmin(f, 'POST', '/api/v1/vrfs', { name, zone: 'dedicated' });
  return name;
};
const migrationBody = async (f: AuthzFixtures) => ({ network: `专网 ${f.unique('NET')}`, owner: f.target.department, vrf: await dedicatedVrf(f), plannedOn: '2027-06-30' });
const migration = async (f: AuthzFixtures) => `/api/v1/migrations/${(await asAdmin(f, 'POST', '/api/v1/migrations', await migrationBody(f))).id}`;
const progress = { status: 'migrating' };

// ---- website filings -----------------------------------------------------------------------
const filingBody = (f: AuthzFixtures) => ({ siteName: `网站 ${f.unique('SITE')}`, domain: `${f.unique('www').toLowerCase()}.gx.example`, addresses: ['10.45.9.9'], responsible: f.target.department });
const filing = async (f: AuthzFixtures) => `/api/v1/website-filings/${(await asAdmin(f, 'POST', '/api/v1/website-filings', filingBody(f))).id}`;
const filed = { filingNumber: '桂政网备 0001' };

// ---- emergency plans and drills ------------------------------------------------------------
const planPath = (f: AuthzFixtures) => `/api/v1/emergency-plans/${f.target.division}`;
const planBody = { title: '应急预案', revisedOn: '2026-01-31' };
const withPlan = async (f: AuthzFixtures) => {
  const reply = await f.t.call('PUT', planPath(f), { body: planBody });
  if (reply.status !== 200) throw new Error(`fixture plan: ${reply.status} ${reply.text}`);
  return `${planPath(f)}/document`;
};
const withDocument = async (f: AuthzFixtures) => {
  const path = await withPlan(f);
  const reply = await f.t.call('PUT', path, { raw: '%PDF-1.7 matrix', headers: { 'content-type': 'application/pdf' } });
  if (reply.status !== 200) throw new Error(`fixture document: ${reply.status} ${reply.text}`);
  return path;
};
const drillBody = (f: AuthzFixtures) => ({ unit: f.target.division, heldOn: '2026-01-15', scenario: '链路中断', findings: '' });
const drill = async (f: AuthzFixtures) => `/api/v1/drills/${(await asAdmin(f, 'POST', '/api/v1/drills', drillBody(f))).id}`;
const pdf = { body: '%PDF-1.7 matrix', contentType: 'application/pdf' };
const omReads = {
  in: { ...placeReads.in, applicant: 403 },
  sibling: { ...placeReads.sibling, applicant: 403 },
  out: { ...placeReads.out, applicant: 403 },
} as const;
const omLists = { ...lists, applicant: 403 };

// ---- major faults ----------------------------------------------------------------------------
// Incidents come from readings; the rows need one per place, so it is written as telemetry would.
const incident = async (f: AuthzFixtures) => {
  const [row] = await sqlRows<{ id: string | number }>(
    f.t.database.db,
    sql`INSERT INTO incidents (kind, reported_to, paying_unit_code, detail, status, opened_at, detected_at)
        VALUES ('link_down', ${f.target.division}, ${f.target.department}, 'matrix incident', 'open', now(), now()) RETURNING id`,
  );
  return `/api/v1/incidents/${row.id}`;
};
const incidentAction = (action: string) => async (f: AuthzFixtures) => `${await incident(f)}/${action}`;
const classifyBody = { severity: 'major', comment: '影响全市' };
const reportBody = (f: AuthzFixtures) => ({ kind: 'operator_reported', unit: f.target.department, title: '机房市电中断', description: '矩阵测试' });
// An operator's report of the place, written as POST /incidents would (the row's actor may not report there).
const reported = async (f: AuthzFixtures) => {
  const [row] = await sqlRows<{ id: string | number }>(
    f.t.database.db,
    sql`INSERT INTO incidents (kind, reported_to, paying_unit_code, detail, status, opened_at, detected_at, title, reported_by)
        VALUES ('operator_reported', ${f.target.division}, ${f.target.department}, 'matrix report', 'open', now(), now(), '机房市电中断', 'admin') RETURNING id`,
  );
  return `/api/v1/incidents/${row.id}/resolve`;
};
const resolveBody = { comment: '已恢复' };
const commentBody = { comment: '处置中' };

export const rows: AuthzRow[] = [
  ...forRoles({ name: 'list migrations', method: 'GET', path: '/api/v1/migrations?status=overdue', scope: '-' }, lists),
  ...forRoles({ name: 'count migrations per level', method: 'GET', path: '/api/v1/migrations/summary', scope: '-' }, lists),
  ...(['in', 'sibling', 'out'] as const).flatMap((scope) => forRoles({ name: 'read a migration plan', method: 'GET', path: migration, scope }, placeReads[scope])),
  ...forRoles({ name: 'plan a migration', method: 'POST', path: '/api/v1/migrations', body: migrationBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'plan a migration', method: 'POST', path: '/api/v1/migrations', body: migrationBody, scope: 'out' }, outOfScope(201)),
  ...acrossCounties({ name: 'plan a migration', method: 'POST', path: '/api/v1/migrations', body: migrationBody }, 201),
  ...forRoles({ name: 'report a migration’s progress', method: 'PATCH', path: migration, body: progress, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'report a migration’s progress', method: 'PATCH', path: migration, body: progress, scope: 'out' }, outOfScope(200)),
  ...acrossCounties({ name: 'report a migration’s progress', method: 'PATCH', path: migration, body: progress }, 200),
  ...forRoles({ name: 'delete a migration plan', method: 'DELETE', path: migration, scope: 'in' }, managers(204)),
  ...forRoles({ name: 'delete a migration plan', method: 'DELETE', path: migration, scope: 'out' }, outOfScope(204)),
  ...acrossCounties({ name: 'delete a migration plan', method: 'DELETE', path: migration }, 204),
  ...forRoles({ name: 'list website filings', method: 'GET', path: '/api/v1/website-filings?flagged=true', scope: '-' }, lists),
  ...(['in', 'sibling', 'out'] as const).flatMap((scope) => forRoles({ name: 'read a website filing', method: 'GET', path: filing, scope }, placeReads[scope])),
  ...forRoles({ name: 'file a website', method: 'POST', path: '/api/v1/website-filings', body: filingBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'file a website', method: 'POST', path: '/api/v1/website-filings', body: filingBody, scope: 'out' }, outOfScope(201)),
  ...acrossCounties({ name: 'file a website', method: 'POST', path: '/api/v1/website-filings', body: filingBody }, 201),
  ...forRoles({ name: 'change a website filing', method: 'PATCH', path: filing, body: filed, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'change a website filing', method: 'PATCH', path: filing, body: filed, scope: 'out' }, outOfScope(200)),
  ...acrossCounties({ name: 'change a website filing', method: 'PATCH', path: filing, body: filed }, 200),
  ...forRoles({ name: 'delete a website filing', method: 'DELETE', path: filing, scope: 'in' }, managers(204)),
  ...forRoles({ name: 'delete a website filing', method: 'DELETE', path: filing, scope: 'out' }, outOfScope(204)),
  ...acrossCounties({ name: 'delete a website filing', method: 'DELETE', path: filing }, 204),
  ...(['in', 'sibling', 'out'] as const).flatMap((scope) => forRoles({ name: 'read an emergency plan', method: 'GET', path: async (f) => (await withPlan(f)).replace(/\/document$/, ''), scope }, omReads[scope])),
  ...(['in', 'sibling', 'out'] as const).flatMap((scope) => forRoles({ name: 'download an emergency plan’s document', method: 'GET', path: withDocument, scope }, omReads[scope])),
  ...forRoles({ name: 'register an emergency plan', method: 'PUT', path: planPath, body: planBody, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'register an emergency plan', method: 'PUT', path: planPath, body: planBody, scope: 'out' }, outOfScope(200)),
  ...acrossCounties({ name: 'register an emergency plan', method: 'PUT', path: planPath, body: planBody }, 200),
  ...forRoles({ name: 'upload an emergency plan’s document', method: 'PUT', path: withPlan, ...pdf, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'upload an emergency plan’s document', method: 'PUT', path: withPlan, ...pdf, scope: 'out' }, outOfScope(200)),
  ...acrossCounties({ name: 'upload an emergency plan’s document', method: 'PUT', path: withPlan, ...pdf }, 200),
  ...forRoles({ name: 'list drills', method: 'GET', path: '/api/v1/drills', scope: '-' }, omLists),
  ...forRoles({ name: 'emergency readiness per O&M unit', method: 'GET', path: '/api/v1/emergency-readiness?flagged=true', scope: '-' }, omLists),
  ...forRoles({ name: 'record a drill', method: 'POST', path: '/api/v1/drills', body: drillBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'record a drill', method: 'POST', path: '/api/v1/drills', body: drillBody, scope: 'out' }, outOfScope(201)),
  ...acrossCounties({ name: 'record a drill', method: 'POST', path: '/api/v1/drills', body: drillBody }, 201),
  ...forRoles({ name: 'delete a drill', method: 'DELETE', path: drill, scope: 'in' }, managers(204)),
  ...forRoles({ name: 'delete a drill', method: 'DELETE', path: drill, scope: 'out' }, outOfScope(204)),
  ...acrossCounties({ name: 'delete a drill', method: 'DELETE', path: drill }, 204),
  ...forRoles({ name: 'list major faults', method: 'GET', path: '/api/v1/major-faults?acknowledged=false', scope: '-' }, lists),
  ...(['in', 'sibling', 'out'] as const).flatMap((scope) => forRoles({ name: 'read an incident’s handling', method: 'GET', path: incidentAction('handling'), scope }, { ...placeReads[scope], applicant: 404 })),
  ...(
    [
      ['classify an incident', 'severity', classifyBody],
      ['acknowledge an incident', 'acknowledge', commentBody],
      ['add to an incident’s record', 'notes', commentBody],
    ] as const
  ).flatMap(([name, action, body]) => [
    ...forRoles({ name, method: 'POST', path: incidentAction(action), body, scope: 'in' }, managers(200)),
    ...forRoles({ name, method: 'POST', path: incidentAction(action), body, scope: 'out' }, outOfScope(200)),
    ...acrossCounties({ name, method: 'POST', path: incidentAction(action), body }, 200),
  ]),
  ...forRoles({ name: 'report an incident', method: 'POST', path: '/api/v1/incidents', body: reportBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'report an incident', method: 'POST', path: '/api/v1/incidents', body: reportBody, scope: 'out' }, outOfScope(201)),
  ...acrossCounties({ name: 'report an incident', method: 'POST', path: '/api/v1/incidents', body: reportBody }, 201),
  ...forRoles({ name: 'close a reported incident', method: 'POST', path: reported, body: resolveBody, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'close a reported incident', method: 'POST', path: reported, body: resolveBody, scope: 'out' }, outOfScope(200)),
  ...acrossCounties({ name: 'close a reported incident', method: 'POST', path: reported, body: resolveBody }, 200),
  ...forRoles({ name: 'the assessment report', method: 'GET', path: '/api/v1/reports/assessment?year=2026&level=county', scope: '-' }, omLists),
  ...forRoles({ name: 'the assessment report as XLSX', method: 'GET', path: '/api/v1/reports/assessment?year=2026&level=city&format=xlsx', scope: '-' }, omLists),
];
