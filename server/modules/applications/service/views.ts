import { and, eq, inArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Ctx } from '../../../context.js';
import type { Executor } from '../../../db/client.js';
import { notFound } from '../../../http/problem.js';
import { readScope, unitCodeIn } from '../../access/scope.js';
import { users } from '../../access/schema.js';
import { units } from '../../divisions/schema.js';
import { currentCalendar } from '../../calendar/store.js';
import { shanghaiDate, workdaysBetween, type WorkCalendar } from '../../calendar/workdays.js';
import type { ApplicationView } from '../inputs.js';
import { agreements, applicationCoApplicants, applications, type ApplicationRow } from '../schema.js';

/**
 * Who reads an application: the admin and auditors all; an operator those whose applicant,
 * reviewer or a co-applicant lies in its subtree (it confirms for them); an applicant its own
 * department's and those it co-applies to.
 */
export function applicationReadable(ctx: Ctx, table: { applicantCode: SQLWrapper; reviewerCode: SQLWrapper; id: SQLWrapper } = applications): SQL | undefined {
  const scope = readScope(ctx);
  switch (scope.kind) {
    case 'all':
      return undefined;
    case 'subtree':
      return sql`(${unitCodeIn(scope, table.applicantCode)} OR ${unitCodeIn(scope, table.reviewerCode)} OR EXISTS (SELECT 1 FROM application_co_applicants c WHERE c.application_id = ${table.id} AND ${unitCodeIn(scope, sql`c.unit_code`)}))`;
    case 'unit':
      return sql`(${table.applicantCode} = ${scope.code} OR EXISTS (SELECT 1 FROM application_co_applicants c WHERE c.application_id = ${table.id} AND c.unit_code = ${scope.code}))`;
    case 'none':
      return sql`FALSE`;
  }
}

/** The date an open application is measured against: acceptBy before acceptance, the deadline after. */
export function runningDate(row: Pick<ApplicationRow, 'status' | 'acceptBy' | 'deadline'>): { kind: 'accept' | 'review'; date: string } | null {
  if (row.status === 'submitted') return { kind: 'accept', date: row.acceptBy };
  if (row.status === 'accepted' && row.deadline) return { kind: 'review', date: row.deadline };
  return null;
}

/** Views of several rows with three batched lookups (unit names, co-applicants, agreements). */
export async function applicationViews(db: Executor, rows: ApplicationRow[], now: Date, calendar?: WorkCalendar): Promise<ApplicationView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const coRows = await db.select().from(applicationCoApplicants).where(inArray(applicationCoApplicants.applicationId, ids));
  const agreementRows = await db.select({ id: agreements.id, applicationId: agreements.applicationId }).from(agreements).where(inArray(agreements.applicationId, ids));
  const submitterIds = [...new Set(rows.map((r) => r.submittedBy).filter((v): v is number => v !== null))];
  const submitters = submitterIds.length ? await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, submitterIds)) : [];
  const codes = new Set<string>();
  for (const r of rows) [r.applicantCode, r.reviewerCode].forEach((c) => codes.add(c));
  for (const c of coRows) codes.add(c.unitCode);
  const names = new Map((await db.select({ code: units.code, name: units.name }).from(units).where(inArray(units.code, [...codes]))).map((u) => [u.code, u.name]));
  const cal = calendar ?? (rows.some((r) => runningDate(r)) ? await currentCalendar(db) : undefined);
  const today = shanghaiDate(now);
  // Lookups by application id, so a page of 1,000 costs one pass over each batch (not 1,000).
  const coOf = new Map<number, typeof coRows>();
  for (const c of [...coRows].sort((a, b) => a.unitCode.localeCompare(b.unitCode))) {
    const list = coOf.get(c.applicationId);
    if (list) list.push(c);
    else coOf.set(c.applicationId, [c]);
  }
  const agreementOf = new Map(agreementRows.map((a) => [a.applicationId, String(a.id)]));
  const usernameOf = new Map(submitters.map((u) => [u.id, u.username]));
  // Working days left, once per distinct running date (a queue shares few dates).
  const leftCache = new Map<string, number>();
  const workdaysLeft = (date: string) => {
    if (!cal) return null;
    let left = leftCache.get(date);
    if (left === undefined) leftCache.set(date, (left = workdaysBetween(cal, today, date)));
    return left;
  };
  return rows.map((row) => {
    const running = runningDate(row);
    const d = row.details;
    return {
      id: String(row.id),
      type: row.type,
      status: row.status,
      applicant: row.applicantCode,
      applicantName: names.get(row.applicantCode) ?? row.applicantCode,
      reviewer: row.reviewerCode,
      reviewerName: names.get(row.reviewerCode) ?? row.reviewerCode,
      adminReview: row.adminReview,
      submittedAt: row.submittedAt.toISOString(),
      submittedBy: row.submittedBy === null ? null : (usernameOf.get(row.submittedBy) ?? null),
      acceptBy: row.acceptBy,
      acceptByProvisional: row.acceptByProvisional,
      acceptedAt: row.acceptedAt?.toISOString() ?? null,
      acceptedBy: row.acceptedBy,
      deadline: row.deadline,
      provisional: row.status === 'submitted' ? row.acceptByProvisional : (row.deadlineProvisional ?? false),
      workdaysLeft: running ? workdaysLeft(running.date) : null,
      overdue: running !== null && running.date < today,
      decidedAt: row.decidedAt?.toISOString() ?? null,
      decidedBy: row.decidedBy,
      opinion: row.opinion,
      agreementId: agreementOf.get(row.id) ?? null,
      result: (row.result as Record<string, unknown> | null) ?? null,
      confirmations: (coOf.get(row.id) ?? []).map((c) => ({ unit: c.unitCode, unitName: names.get(c.unitCode) ?? c.unitCode, confirmedAt: c.confirmedAt?.toISOString() ?? null, confirmedBy: c.confirmedBy })),
      filedWith: row.filedWithCode,
      filedAt: row.filedAt?.toISOString() ?? null,
      withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
      expansionRequestId: row.expansionRequestId === null ? null : String(row.expansionRequestId),
      zones: d.zones ?? null,
      bandwidthMbps: row.bandwidthMbps,
      compute: d.compute ?? null,
      storageGiB: d.storageGiB ?? null,
      securityLevel: row.securityLevel,
      secrecyCheck: d.secrecyCheck ?? null,
      systems: d.systems ?? [],
      contact: d.contact ?? null,
      boundaryResponsible: d.boundaryResponsible ?? null,
      ip: d.ip ?? null,
      domain: d.domain ?? null,
      plan: d.plan ?? null,
    };
  });
}

export async function applicationView(db: Executor, row: ApplicationRow, now: Date): Promise<ApplicationView> {
  return (await applicationViews(db, [row], now))[0];
}

/** An application by id for a write: not read-scoped (the verb's authorize answers 403 outside scope). */
export async function loadApplication(db: Executor, id: number, options: { forUpdate?: boolean } = {}): Promise<ApplicationRow> {
  const query = db.select().from(applications).where(eq(applications.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw notFound(`application ${id}`);
  return row;
}

/** An application the caller reads, or 404. */
export async function loadReadableApplication(ctx: Ctx, id: number): Promise<ApplicationRow> {
  const [row] = await ctx.db.select().from(applications).where(and(eq(applications.id, id), applicationReadable(ctx)));
  if (!row) throw notFound(`application ${id}`);
  return row;
}
