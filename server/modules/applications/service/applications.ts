import { and, asc, eq, gt, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import type { Executor, Tx } from '../../../db/client.js';
import { cursorParts, decodeCursor, encodeCursor, keysetPage, type CursorPart, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { conflict, forbidden, invalid, notFound, ruleViolation } from '../../../http/problem.js';
import { assertRole, authorize, inScope } from '../../access/authorize.js';
import { calendarForWrite } from '../../calendar/store.js';
import { epochDay, shanghaiDate } from '../../calendar/workdays.js';
import { units, type UnitRow } from '../../divisions/schema.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import { loadDomain } from '../../dns/service/domains.js';
import { loadVrf } from '../../ipam/lookup.js';
import { expansionRequests } from '../../telemetry/schema.js';
import { emitEvent } from '../../webhooks/events.js';
import type { ApplicationView, ConfirmQuery, ListApplicationsQuery, SubmitApplicationInput } from '../inputs.js';
import { deriveReviewer, prefixLengthFor } from '../review.js';
import { applicationCoApplicants, applications, type ApplicationDetails, type ApplicationRow } from '../schema.js';
import { acceptByFor, deadlineFor } from './deadlines.js';
import { applicationReadable, applicationView, applicationViews, loadApplication, loadReadableApplication } from './views.js';

/** A calendar date part of a cursor (the `due` order's key). */
const dateCursorPart: CursorPart<string> = { read: (text) => (epochDay(text) === undefined ? undefined : text) };

/** The applicant's ancestors, nearest first, from its path ('/450000/450100/450102/'). */
export async function ancestorsOf(db: Executor, unit: UnitRow): Promise<UnitRow[]> {
  const codes = unit.path.split('/').filter((c) => c && c !== unit.code);
  if (codes.length === 0) return [];
  const found = await db.select().from(units).where(inArray(units.code, codes));
  return codes
    .reverse()
    .map((c) => found.find((u) => u.code === c))
    .filter((u): u is UnitRow => u !== undefined);
}

/** Every unit an application concerns: its events go to their webhooks. */
export async function concernedUnits(db: Executor, row: ApplicationRow): Promise<string[]> {
  const co = await db.select({ unitCode: applicationCoApplicants.unitCode }).from(applicationCoApplicants).where(eq(applicationCoApplicants.applicationId, row.id));
  return [row.applicantCode, row.reviewerCode, ...co.map((c) => c.unitCode), ...(row.filedWithCode ? [row.filedWithCode] : [])];
}

/**
 * Article 19: the applicant runs the secrecy check on its systems (涉密性质安全保密检查), and the
 * extranet carries no classified system. Both refusals are 422 with the reason.
 */
function checkSecrecy(input: SubmitApplicationInput): void {
  const check = input.secrecyCheck;
  if (!check) return;
  if (check.classified) {
    throw ruleViolation(
      'rule_violation',
      'a system declared classified (涉密) cannot be connected: the e-government extranet carries only non-classified systems (article 19); connect it to a classified network instead',
      { field: 'secrecyCheck.classified' },
    );
  }
  if (!check.done) {
    throw ruleViolation('rule_violation', 'run the secrecy check (涉密性质安全保密检查) on the systems first and confirm it with secrecyCheck.done: true (article 19)', {
      field: 'secrecyCheck.done',
    });
  }
}

/** What the type needs beyond the shape: the VRF, the reviewer's zone, the expansion request's evidence. */
async function typeDetails(tx: Tx, input: SubmitApplicationInput, applicant: UnitRow, reviewer: string): Promise<{ details: ApplicationDetails; expansionRequestId: number | null }> {
  const details: ApplicationDetails = {
    zones: input.zones,
    compute: input.compute,
    storageGiB: input.storageGiB,
    secrecyCheck: input.secrecyCheck,
    systems: input.systems,
    contact: input.contact,
    boundaryResponsible: input.boundaryResponsible,
  };
  let expansionRequestId: number | null = null;
  if (input.ip) {
    await loadVrf(tx, input.ip.vrf);
    const prefixLength = input.ip.prefixLength ?? prefixLengthFor(input.ip.addressCount!);
    details.ip = { vrf: input.ip.vrf, prefixLength, family: input.ip.family ?? (prefixLength > 32 ? 6 : 4) };
  }
  if (input.domain) {
    const parent = await loadDomain(tx, idOf(input.domain.parentId, 'domain', 'domain.parentId'));
    if (parent.holderCode !== reviewer) {
      throw ruleViolation('delegation_rule', `${parent.name} is held by ${parent.holderCode}, not by ${reviewer}, who reviews this application: ask for a label under a zone of ${reviewer} (article 21: names come from the level above)`, {
        field: 'domain.parentId',
      });
    }
    details.domain = { parentId: input.domain.parentId, label: input.domain.label, nameservers: input.domain.nameservers };
  }
  if (input.plan) {
    details.plan = { title: input.plan.title, scope: input.plan.scope, document: input.plan.document };
    if (input.plan.expansionRequestId) {
      const id = idOf(input.plan.expansionRequestId, 'expansion request', 'plan.expansionRequestId');
      const [request] = await tx.select().from(expansionRequests).where(eq(expansionRequests.id, id));
      if (!request) throw notFound(`expansion request ${id}`);
      if (request.unitCode !== applicant.code) {
        throw ruleViolation('rule_violation', `expansion request ${id} is routed to ${request.unitCode}, which pays for the link (article 20): only it turns the request into a plan`, {
          field: 'plan.expansionRequestId',
        });
      }
      expansionRequestId = id;
      details.plan.expansionRequestId = String(id);
      details.plan.evidence = { link: String(request.linkId), currentMbps: request.currentMbps, recommendedMbps: request.recommendedMbps, raisedAt: request.raisedAt.toISOString(), evidence: request.evidence };
    }
  }
  return { details, expansionRequestId };
}

/** POST /applications: the reviewer is derived by the rules (review.ts), acceptBy from the official calendar. */
export async function submitApplication(ctx: Ctx, input: SubmitApplicationInput): Promise<ApplicationView> {
  assertRole(ctx, 'application.submit');
  return mutate(ctx, async (tx, audit) => {
    const applicant = await loadUnit(tx, input.applicant);
    authorize(ctx, 'application.submit', { unit: applicant });
    assertActive(applicant);
    checkSecrecy(input);
    const review = deriveReviewer(input.type, applicant, await ancestorsOf(tx, applicant));
    const coCodes = input.coApplicants ?? [];
    if (new Set(coCodes).size !== coCodes.length) throw invalid('coApplicants: a unit is listed twice', { field: 'coApplicants' });
    if (coCodes.includes(applicant.code)) throw invalid(`coApplicants: ${applicant.code} is the applicant itself`, { field: 'coApplicants' });
    for (const code of coCodes) assertActive(await loadUnit(tx, code));
    const { details, expansionRequestId } = await typeDetails(tx, input, applicant, review.reviewer);
    const now = ctx.now();
    const submittedOn = shanghaiDate(now);
    const acceptBy = acceptByFor(await calendarForWrite(tx), submittedOn, ctx.config.workflow);
    const [row] = await tx
      .insert(applications)
      .values({
        type: input.type,
        applicantCode: applicant.code,
        reviewerCode: review.reviewer,
        adminReview: review.adminReview,
        submittedBy: ctx.actor.userId > 0 ? ctx.actor.userId : null,
        bandwidthMbps: input.bandwidthMbps ?? null,
        securityLevel: input.securityLevel ?? null,
        details,
        expansionRequestId,
        submittedAt: now,
        submittedOn,
        acceptBy: acceptBy.date,
        acceptByProvisional: acceptBy.provisional,
        updatedAt: now,
      })
      .returning();
    if (coCodes.length) await tx.insert(applicationCoApplicants).values(coCodes.map((unitCode) => ({ applicationId: row.id, unitCode })));
    const view = await applicationView(tx, row, now);
    await audit({ action: 'application.submit', objectType: 'application', objectId: view.id, after: view });
    await emitEvent(tx, { type: 'application.submitted', unitCodes: await concernedUnits(tx, row), payload: view, at: now });
    return view;
  });
}

export async function getApplication(ctx: Ctx, id: string): Promise<ApplicationView> {
  authorize(ctx, 'application.read');
  return read(async () => applicationView(ctx.db, await loadReadableApplication(ctx, idOf(id, 'application')), ctx.now()));
}

/** Lists what the caller reads; `overdue=true`: open ones past their running date (acceptBy or deadline). */
export async function listApplications(ctx: Ctx, query: ListApplicationsQuery): Promise<Page<ApplicationView>> {
  authorize(ctx, 'application.read');
  return read(async () => {
    const today = shanghaiDate(ctx.now());
    const conditions: (SQL | undefined)[] = [applicationReadable(ctx)];
    if (query.status) conditions.push(eq(applications.status, query.status));
    if (query.type) conditions.push(eq(applications.type, query.type));
    if (query.reviewer) conditions.push(eq(applications.reviewerCode, query.reviewer));
    if (query.applicant) conditions.push(eq(applications.applicantCode, query.applicant));
    const overdue = sql`((${applications.status} = 'submitted' AND ${applications.acceptBy} < ${today}::date) OR (${applications.status} = 'accepted' AND ${applications.deadline} < ${today}::date))`;
    if (query.overdue === 'true') conditions.push(overdue);
    if (query.overdue === 'false') conditions.push(sql`NOT ${overdue}`);
    if (query.filed === 'true') conditions.push(isNotNull(applications.filedWithCode));
    if (query.filed === 'false') conditions.push(isNull(applications.filedWithCode));
    if (query.sort === 'due') {
      // The running date: acceptBy until acceptance, the deadline from then on.
      const due = sql`(CASE WHEN ${applications.status} = 'submitted' THEN ${applications.acceptBy} ELSE coalesce(${applications.deadline}, ${applications.acceptBy}) END)`;
      if (query.cursor) {
        const [date, id] = decodeCursor(query.cursor, dateCursorPart, cursorParts.id);
        conditions.push(sql`(${due}, ${applications.id}) > (${date}::date, ${id})`);
      }
      const found = await ctx.db
        .select({ row: applications, due: sql<string>`${due}::text` })
        .from(applications)
        .where(and(...conditions))
        .orderBy(due, asc(applications.id))
        .limit(query.limit + 1);
      return keysetPage(found, query.limit, (last) => encodeCursor(last.due, last.row.id), (page) => applicationViews(ctx.db, page.map((p) => p.row), ctx.now()));
    }
    if (query.cursor) conditions.push(gt(applications.id, Number(decodeCursor(query.cursor, cursorParts.id)[0])));
    const found = await ctx.db
      .select()
      .from(applications)
      .where(and(...conditions))
      .orderBy(asc(applications.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), (page) => applicationViews(ctx.db, page, ctx.now()));
  });
}

/** The reviewer's unit for accept and decide: 403 outside the caller's scope; a region plan is the admin's. */
export async function asReviewer(ctx: Ctx, tx: Tx, row: ApplicationRow, action: 'application.accept' | 'application.decide'): Promise<UnitRow> {
  const reviewer = await loadUnit(tx, row.reviewerCode);
  authorize(ctx, action, { unit: reviewer });
  if (row.adminReview && ctx.actor.role !== 'admin') throw forbidden(`application ${row.id} is a plan of the region information center: the admin reviews it`);
  return reviewer;
}

/** POST /applications/{id}/accept (受理): the review deadline runs from today. */
export async function acceptApplication(ctx: Ctx, id: string): Promise<ApplicationView> {
  assertRole(ctx, 'application.accept');
  const applicationId = idOf(id, 'application');
  return mutate(ctx, async (tx, audit) => {
    // The calendar's lock before the row's: a year's load takes them in the same order.
    const calendar = await calendarForWrite(tx);
    const before = await loadApplication(tx, applicationId, { forUpdate: true });
    await asReviewer(ctx, tx, before, 'application.accept');
    if (before.status !== 'submitted') throw conflict(`application ${applicationId} is ${before.status}: only a submitted application is accepted`);
    const now = ctx.now();
    const acceptedOn = shanghaiDate(now);
    const deadline = deadlineFor(calendar, acceptedOn, ctx.config.workflow);
    const [row] = await tx
      .update(applications)
      .set({ status: 'accepted', acceptedAt: now, acceptedOn, acceptedBy: ctx.actor.username, deadline: deadline.date, deadlineProvisional: deadline.provisional, updatedAt: now })
      .where(eq(applications.id, applicationId))
      .returning();
    const view = await applicationView(tx, row, now);
    await audit({ action: 'application.accept', objectType: 'application', objectId: view.id, before: { status: before.status }, after: { status: row.status, acceptedAt: view.acceptedAt, deadline: view.deadline, provisional: view.provisional } });
    await emitEvent(tx, { type: 'application.accepted', unitCodes: await concernedUnits(tx, row), payload: view, at: now });
    return view;
  });
}

/**
 * POST /applications/{id}/confirm: a co-applicant of cross-region or cross-department business
 * confirms (article 19: 联合发文). Confirms `unit`, or every unconfirmed co-applicant the caller
 * acts for.
 */
export async function confirmApplication(ctx: Ctx, id: string, query: ConfirmQuery = {}): Promise<ApplicationView> {
  assertRole(ctx, 'application.confirm');
  const applicationId = idOf(id, 'application');
  return mutate(ctx, async (tx, audit) => {
    const row = await loadApplication(tx, applicationId, { forUpdate: true });
    const co = await tx.select().from(applicationCoApplicants).where(eq(applicationCoApplicants.applicationId, applicationId));
    let targets = co;
    if (query.unit) {
      targets = co.filter((c) => c.unitCode === query.unit);
      if (targets.length === 0) throw ruleViolation('rule_violation', `${query.unit} is not a co-applicant of application ${applicationId}`, { field: 'unit' });
    }
    const coUnits = await Promise.all(targets.map((c) => loadUnit(tx, c.unitCode)));
    const mine = targets.filter((_, i) => inScope(ctx, coUnits[i]));
    if (mine.length === 0) {
      if (query.unit) authorize(ctx, 'application.confirm', { unit: coUnits[0] });
      throw forbidden(`${ctx.actor.username} acts for none of the co-applicants of application ${applicationId} (${co.map((c) => c.unitCode).join(', ') || 'it has none'})`);
    }
    for (const c of mine) authorize(ctx, 'application.confirm', { unit: coUnits[targets.indexOf(c)] });
    if (row.status !== 'submitted' && row.status !== 'accepted') throw conflict(`application ${applicationId} is ${row.status}: confirmations are given before the decision`);
    const open = mine.filter((c) => c.confirmedAt === null);
    if (open.length === 0) throw conflict(`${mine.map((c) => c.unitCode).join(', ')} already confirmed application ${applicationId}`);
    const now = ctx.now();
    await tx
      .update(applicationCoApplicants)
      .set({ confirmedAt: now, confirmedBy: ctx.actor.username })
      .where(and(eq(applicationCoApplicants.applicationId, applicationId), inArray(applicationCoApplicants.unitCode, open.map((c) => c.unitCode))));
    const view = await applicationView(tx, row, now);
    await audit({ action: 'application.confirm', objectType: 'application', objectId: view.id, after: { confirmed: open.map((c) => c.unitCode), by: ctx.actor.username } });
    return view;
  });
}

/** POST /applications/{id}/withdraw: the applicant takes it back before the decision. */
export async function withdrawApplication(ctx: Ctx, id: string): Promise<ApplicationView> {
  assertRole(ctx, 'application.withdraw');
  const applicationId = idOf(id, 'application');
  return mutate(ctx, async (tx, audit) => {
    const before = await loadApplication(tx, applicationId, { forUpdate: true });
    authorize(ctx, 'application.withdraw', { unit: await loadUnit(tx, before.applicantCode) });
    if (before.status !== 'submitted' && before.status !== 'accepted') throw conflict(`application ${applicationId} is ${before.status}: only an application awaiting its decision can be withdrawn`);
    const now = ctx.now();
    const [row] = await tx.update(applications).set({ status: 'withdrawn', withdrawnAt: now, updatedAt: now }).where(eq(applications.id, applicationId)).returning();
    const view = await applicationView(tx, row, now);
    await audit({ action: 'application.withdraw', objectType: 'application', objectId: view.id, before: { status: before.status }, after: { status: row.status } });
    return view;
  });
}

