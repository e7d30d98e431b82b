import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Audit, type Ctx } from '../../../context.js';
import type { Executor, Tx } from '../../../db/client.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { conflict, forbidden, notFound } from '../../../http/problem.js';
import { assertRole, authorize } from '../../access/authorize.js';
import { readScope, unitCodeIn } from '../../access/scope.js';
import { units } from '../../divisions/schema.js';
import { loadUnit } from '../../divisions/service.js';
import { emitEvent } from '../../webhooks/events.js';
import { agreementText } from '../agreement-text.js';
import type { AgreementView, ListAgreementsQuery, SignAgreementInput } from '../inputs.js';
import { agreements, agreementSignatures, type AgreementRow, type ApplicationRow } from '../schema.js';

/** An agreement is read by those who read its parties: the applying department and the O&M unit. */
function agreementReadable(ctx: Ctx): SQL | undefined {
  const scope = readScope(ctx);
  switch (scope.kind) {
    case 'all':
      return undefined;
    case 'subtree':
      return sql`(${unitCodeIn(scope, agreements.applicantCode)} OR ${unitCodeIn(scope, agreements.operatorCode)})`;
    case 'unit':
      return eq(agreements.applicantCode, scope.code);
    case 'none':
      return sql`FALSE`;
  }
}

async function agreementViews(db: Executor, rows: AgreementRow[]): Promise<AgreementView[]> {
  if (rows.length === 0) return [];
  const signatures = await db.select().from(agreementSignatures).where(inArray(agreementSignatures.agreementId, rows.map((r) => r.id)));
  const codes = [...new Set(rows.flatMap((r) => [r.applicantCode, r.operatorCode]))];
  const names = new Map((await db.select({ code: units.code, name: units.name }).from(units).where(inArray(units.code, codes))).map((u) => [u.code, u.name]));
  return rows.map((row) => ({
    id: String(row.id),
    applicationId: String(row.applicationId),
    applicant: row.applicantCode,
    applicantName: names.get(row.applicantCode) ?? row.applicantCode,
    operator: row.operatorCode,
    operatorName: names.get(row.operatorCode) ?? row.operatorCode,
    text: row.text,
    signatures: signatures
      .filter((s) => s.agreementId === row.id)
      .sort((a, b) => a.party.localeCompare(b.party))
      .map((s) => ({ party: s.party, signerName: s.signerName, username: s.username, signedAt: s.signedAt.toISOString() })),
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    effectiveAt: row.effectiveAt?.toISOString() ?? null,
  }));
}

/** Called by an access approval inside its transaction: the agreement text comes from the application. */
export async function createAgreementIn(ctx: Ctx, tx: Tx, audit: Audit, application: ApplicationRow, approvedOn: string): Promise<AgreementView> {
  const applicant = await loadUnit(tx, application.applicantCode);
  const operator = await loadUnit(tx, application.reviewerCode);
  const text = agreementText({
    applicationId: application.id,
    applicant: { code: applicant.code, name: applicant.name },
    operator: { code: operator.code, name: operator.name },
    bandwidthMbps: application.bandwidthMbps,
    securityLevel: application.securityLevel,
    details: application.details,
    approvedOn,
  });
  const [row] = await tx.insert(agreements).values({ applicationId: application.id, applicantCode: applicant.code, operatorCode: operator.code, text, createdAt: ctx.now() }).returning();
  const [view] = await agreementViews(tx, [row]);
  await audit({ action: 'agreement.create', objectType: 'agreement', objectId: view.id, after: view });
  return view;
}

export async function getAgreement(ctx: Ctx, id: string): Promise<AgreementView> {
  authorize(ctx, 'agreement.read');
  const agreementId = idOf(id, 'agreement');
  return read(async () => {
    const [row] = await ctx.db.select().from(agreements).where(and(eq(agreements.id, agreementId), agreementReadable(ctx)));
    if (!row) throw notFound(`agreement ${agreementId}`);
    return (await agreementViews(ctx.db, [row]))[0];
  });
}

export async function listAgreements(ctx: Ctx, query: ListAgreementsQuery): Promise<Page<AgreementView>> {
  authorize(ctx, 'agreement.read');
  return read(async () => {
    const conditions: (SQL | undefined)[] = [agreementReadable(ctx)];
    if (query.status) conditions.push(eq(agreements.status, query.status));
    if (query.cursor) conditions.push(gt(agreements.id, Number(query.cursor)));
    const found = await ctx.db
      .select()
      .from(agreements)
      .where(and(...conditions))
      .orderBy(asc(agreements.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), (page) => agreementViews(ctx.db, page));
  });
}

/**
 * POST /agreements/{id}/signatures: each party signs once (409 after). The applicant's side is
 * signed by a user of the applying unit itself, the operator's by an operator (or the admin)
 * acting for the reviewing O&M unit — never one party for the other, even by an operator
 * whose subtree holds the applicant. Effective when both have signed.
 */
export async function signAgreement(ctx: Ctx, id: string, input: SignAgreementInput): Promise<AgreementView> {
  assertRole(ctx, 'agreement.sign');
  const agreementId = idOf(id, 'agreement');
  return mutate(ctx, async (tx, audit) => {
    const [before] = await tx.select().from(agreements).where(eq(agreements.id, agreementId)).for('update');
    if (!before) throw notFound(`agreement ${agreementId}`);
    const unit = await loadUnit(tx, input.party === 'applicant' ? before.applicantCode : before.operatorCode);
    authorize(ctx, 'agreement.sign', { unit });
    if (input.party === 'applicant' && ctx.actor.unitCode !== before.applicantCode) {
      throw forbidden(`the applicant's side is signed by a user of ${before.applicantCode} itself; ${ctx.actor.username} belongs to ${ctx.actor.unitCode}`);
    }
    if (input.party === 'operator' && (ctx.actor.role === 'applicant' || ctx.actor.unitCode === before.applicantCode)) {
      throw forbidden(`the operator's side is signed by the O&M unit ${before.operatorCode}; ${ctx.actor.username} signs for the applicant, if at all`);
    }
    const signed = await tx.select().from(agreementSignatures).where(eq(agreementSignatures.agreementId, agreementId));
    const mine = signed.find((s) => s.party === input.party);
    if (mine) throw conflict(`the ${input.party} side of agreement ${agreementId} was signed by ${mine.signerName} (${mine.username}) at ${mine.signedAt.toISOString()}; each party signs once`);
    const now = ctx.now();
    await tx.insert(agreementSignatures).values({ agreementId, party: input.party, signerName: input.signerName, userId: ctx.actor.userId, username: ctx.actor.username, signedAt: now });
    let row = before;
    if (signed.length + 1 === 2) {
      [row] = await tx.update(agreements).set({ status: 'effective', effectiveAt: now }).where(eq(agreements.id, agreementId)).returning();
    }
    const [view] = await agreementViews(tx, [row]);
    await audit({ action: 'agreement.sign', objectType: 'agreement', objectId: view.id, after: { party: input.party, signerName: input.signerName, status: view.status } });
    if (view.status === 'effective') await emitEvent(tx, { type: 'agreement.effective', unitCodes: [row.applicantCode, row.operatorCode], payload: view, at: now });
    return view;
  });
}
