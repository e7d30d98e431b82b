import { eq, sql } from 'drizzle-orm';
import { mutate, type Audit, type Ctx } from '../../../context.js';
import { rows, type Tx } from '../../../db/client.js';
import { idOf } from '../../../http/params.js';
import { conflict, invalid, Problem, ruleViolation } from '../../../http/problem.js';
import { assertRole } from '../../access/authorize.js';
import { shanghaiDate } from '../../calendar/workdays.js';
import type { UnitRow } from '../../divisions/schema.js';
import { loadUnit } from '../../divisions/service.js';
import { delegateDomainIn } from '../../dns/service/domains.js';
import { loadPrefix, loadVrf } from '../../ipam/lookup.js';
import { allocateIn, viewsOf } from '../../ipam/service/prefixes.js';
import { emitEvent } from '../../webhooks/events.js';
import type { ApplicationView, DecisionInput } from '../inputs.js';
import { filedWith } from '../review.js';
import { applicationCoApplicants, applications, type ApplicationRow } from '../schema.js';
import { createAgreementIn } from './agreements.js';
import { ancestorsOf, asReviewer, concernedUnits } from './applications.js';
import { applicationView, loadApplication } from './views.js';

/**
 * The reviewer's prefix an `ip` approval allocates from when it names none: of the reviewer's
 * own delegable prefixes (pool or allocated) in the requested VRF and family, the one whose
 * smallest free block that fits is smallest — the best fit, which keeps large blocks whole, the
 * same rule allocate's `best` strategy applies inside one parent. Ties: the lower prefix.
 */
async function defaultPool(tx: Tx, reviewer: UnitRow, vrf: string, prefixLength: number, family: 4 | 6): Promise<number> {
  const vrfRow = await loadVrf(tx, vrf);
  const [found] = await rows<{ id: string | number }>(
    tx,
    // A prefix without children keeps no free-block rows: it is its own one free block (ipam/freespace.ts),
    // and a child is always longer than its parent.
    sql`SELECT p.id
        FROM prefixes p
        JOIN LATERAL (
          SELECT f.length FROM prefix_free_blocks f WHERE p.child_count > 0 AND f.parent_id = p.id AND f.length <= ${prefixLength}
          UNION ALL
          SELECT masklen(p.prefix) WHERE p.child_count = 0 AND masklen(p.prefix) < ${prefixLength}
        ) f ON true
        WHERE p.vrf_id = ${vrfRow.id} AND p.holder_code = ${reviewer.code} AND p.status IN ('pool', 'allocated')
          AND family(p.prefix) = ${family}
        GROUP BY p.id, p.prefix
        ORDER BY max(f.length) DESC, p.prefix
        LIMIT 1`,
  );
  if (!found) {
    throw new Problem(409, 'pool_exhausted', `${reviewer.name} (${reviewer.code}) holds no IPv${family} prefix of VRF ${vrf} with a free /${prefixLength}: name the pool to allocate from, or get space from the level above first`, {
      field: 'pool',
    });
  }
  return Number(found.id);
}

/** Approving `ip`: allocates from the pool in the decision's own transaction; status by the delegation rule. */
async function allocateFor(ctx: Ctx, tx: Tx, audit: Audit, row: ApplicationRow, reviewer: UnitRow, poolText: string | undefined) {
  const ip = row.details.ip!;
  const poolId = poolText ? idOf(poolText, 'prefix', 'pool') : await defaultPool(tx, reviewer, ip.vrf, ip.prefixLength, ip.family ?? (ip.prefixLength > 32 ? 6 : 4));
  const pool = await loadPrefix(tx, poolId);
  if (pool.holderCode !== reviewer.code) {
    throw ruleViolation('delegation_rule', `prefix ${poolId} is held by ${pool.holderCode}: an approval allocates from the reviewer ${reviewer.code}'s own space`, { field: 'pool' });
  }
  const vrf = await loadVrf(tx, ip.vrf);
  if (pool.vrfId !== vrf.id) throw ruleViolation('rule_violation', `prefix ${poolId} is not in VRF ${ip.vrf}, which the application asks for`, { field: 'pool' });
  const applicant = await loadUnit(tx, row.applicantCode);
  const { created } = await allocateIn(ctx, tx, String(poolId), {
    prefixLength: ip.prefixLength,
    holder: applicant.code,
    // The delegation rule's own choice (ipam/delegation.ts): a lower O&M unit gets space allocated
    // for further delegation, a department has it assigned; allocateIn then checks it.
    status: applicant.kind === 'department' ? 'assigned' : 'allocated',
    strategy: 'best',
    count: 1,
    description: `申请 ${row.id}`,
  });
  const [prefix] = await viewsOf(tx, created, ctx.db, [applicant]);
  return { prefix };
}

/**
 * POST /applications/{id}/decision: approve or reject with the reviewer's opinion (审核意见,
 * required to reject). Only an accepted application is decided (article 19 counts from
 * acceptance), a joint one only once every co-applicant confirmed. Approval performs what was
 * asked in the same transaction — allocation, delegation, the agreement, the filing — so a
 * failure leaves the application as it was and nothing half done.
 */
export async function decideApplication(ctx: Ctx, id: string, input: DecisionInput): Promise<ApplicationView> {
  assertRole(ctx, 'application.decide');
  const applicationId = idOf(id, 'application');
  const opinion = input.opinion.trim();
  if (input.decision === 'reject' && !opinion) throw invalid('opinion: a rejection gives the reviewer’s opinion (审核意见) so the applicant knows what to change', { field: 'opinion' });
  if (input.decision === 'reject' && input.pool) throw invalid('pool: only an approval allocates', { field: 'pool' });
  return mutate(ctx, async (tx, audit) => {
    const before = await loadApplication(tx, applicationId, { forUpdate: true });
    const reviewer = await asReviewer(ctx, tx, before, 'application.decide');
    if (before.status === 'submitted') throw conflict(`application ${applicationId} is not accepted yet: accept it (受理) first, the review period runs from acceptance (article 19)`);
    if (before.status !== 'accepted') throw conflict(`application ${applicationId} is already ${before.status}`);
    if (input.pool && before.type !== 'ip') throw invalid(`pool: only an ip application allocates; this one is ${before.type}`, { field: 'pool' });
    const now = ctx.now();
    let result: Record<string, unknown> | null = null;
    let resultPrefixId: number | null = null;
    let resultDomainId: number | null = null;
    let filed: string | null = null;
    if (input.decision === 'approve') {
      const waiting = await tx
        .select({ unitCode: applicationCoApplicants.unitCode })
        .from(applicationCoApplicants)
        .where(sql`${applicationCoApplicants.applicationId} = ${applicationId} AND ${applicationCoApplicants.confirmedAt} IS NULL`);
      if (waiting.length) {
        throw ruleViolation('rule_violation', `application ${applicationId} is joint business: ${waiting.map((w) => w.unitCode).join(', ')} has not confirmed yet (POST …/confirm); approve once every co-applicant has`, {
          waiting: waiting.map((w) => w.unitCode),
        });
      }
      if (before.type === 'ip') {
        const { prefix } = await allocateFor(ctx, tx, audit, before, reviewer, input.pool);
        result = { prefix };
        resultPrefixId = Number(prefix.id);
      } else if (before.type === 'domain') {
        const d = before.details.domain!;
        const domain = await delegateDomainIn(ctx, tx, audit, d.parentId, { label: d.label, holder: before.applicantCode, nameservers: d.nameservers });
        result = { domain };
        resultDomainId = Number(domain.id);
      } else if (before.type === 'plan') {
        const applicant = await loadUnit(tx, before.applicantCode);
        filed = filedWith('plan', applicant, await ancestorsOf(tx, applicant));
      }
    }
    const [row] = await tx
      .update(applications)
      .set({
        status: input.decision === 'approve' ? 'approved' : 'rejected',
        decidedAt: now,
        decidedBy: ctx.actor.username,
        opinion,
        result,
        resultPrefixId,
        resultDomainId,
        filedWithCode: filed,
        filedAt: filed ? now : null,
        updatedAt: now,
      })
      .where(eq(applications.id, applicationId))
      .returning();
    if (row.status === 'approved' && row.type === 'access') await createAgreementIn(ctx, tx, audit, row, shanghaiDate(now));
    const view = await applicationView(tx, row, now);
    await audit({ action: 'application.decide', objectType: 'application', objectId: view.id, before: { status: before.status }, after: { status: view.status, opinion, result, agreementId: view.agreementId, filedWith: filed } });
    await emitEvent(tx, { type: 'application.decided', unitCodes: await concernedUnits(tx, row), payload: view, at: now });
    return view;
  });
}
