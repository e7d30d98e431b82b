import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import type { Executor } from '../../../db/client.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { conflict, notFound } from '../../../http/problem.js';
import { assertRole, authorize } from '../../access/authorize.js';
import { readScope, unitCodeIn } from '../../access/scope.js';
import { links } from '../../sites/schema.js';
import { linkReadable } from '../../sites/service/links.js';
import { emitEvent } from '../../webhooks/events.js';
import type { DecisionInput, EvidenceView, ExpansionRequestView, ListExpansionQuery } from '../inputs.js';
import { unitPath } from './reporting.js';
import '../constraints.js';
import { expansionRequests, type ExpansionRequestRow, type ExpansionStatus } from '../schema.js';

/**
 * An approved request is fulfilled once the link's registered capacity reaches the
 * recommendation. The evaluation records that; reads show it at once, before the next one.
 */
const shownStatus = sql<ExpansionStatus>`CASE WHEN ${expansionRequests.status} = 'approved' AND ${links.capacityMbps} >= ${expansionRequests.recommendedMbps} THEN 'fulfilled' ELSE ${expansionRequests.status} END`;

export function expansionView(row: ExpansionRequestRow, link: { name: string | null; capacityMbps: number | null }, status: ExpansionStatus = row.status): ExpansionRequestView {
  return {
    id: String(row.id),
    link: String(row.linkId),
    linkName: link.name,
    evidence: row.evidence as EvidenceView,
    currentMbps: row.currentMbps,
    recommendedMbps: row.recommendedMbps,
    linkCapacityMbps: link.capacityMbps,
    unit: row.unitCode,
    status,
    raisedAt: row.raisedAt.toISOString(),
    evaluatedAt: row.evaluatedAt.toISOString(),
    decidedAt: row.decidedAt ? row.decidedAt.toISOString() : null,
    decidedBy: row.decidedBy,
    opinion: row.opinion,
    fulfilledAt: row.fulfilledAt ? row.fulfilledAt.toISOString() : null,
  };
}

export async function loadExpansionView(db: Executor, id: number): Promise<ExpansionRequestView | undefined> {
  const [found] = await db
    .select({ request: expansionRequests, linkName: links.name, capacityMbps: links.capacityMbps, status: shownStatus })
    .from(expansionRequests)
    .leftJoin(links, eq(links.id, expansionRequests.linkId))
    .where(eq(expansionRequests.id, id));
  return found && expansionView(found.request, { name: found.linkName, capacityMbps: found.capacityMbps }, found.status);
}

/** The requests of the links a caller reads; for an operator also those its subtree pays for. */
function expansionReadable(ctx: Ctx): SQL | undefined {
  const scope = readScope(ctx);
  if (scope.kind === 'all') return undefined;
  const ofLink = sql`${expansionRequests.linkId} IN (SELECT ${links.id} FROM ${links} WHERE ${linkReadable(ctx)})`;
  return scope.kind === 'subtree' ? or(ofLink, unitCodeIn(scope, expansionRequests.unitCode)) : ofLink;
}

export async function listExpansionRequests(ctx: Ctx, query: ListExpansionQuery): Promise<Page<ExpansionRequestView>> {
  authorize(ctx, 'expansion.read');
  return read(async () => {
    const conditions = [expansionReadable(ctx)];
    if (query.status) conditions.push(sql`${shownStatus} = ${query.status}`);
    if (query.unit) conditions.push(eq(expansionRequests.unitCode, query.unit));
    if (query.link) conditions.push(eq(expansionRequests.linkId, Number(query.link)));
    if (query.cursor) conditions.push(lt(expansionRequests.id, Number(query.cursor)));
    const found = await ctx.db
      .select({ request: expansionRequests, linkName: links.name, capacityMbps: links.capacityMbps, status: shownStatus })
      .from(expansionRequests)
      .leftJoin(links, eq(links.id, expansionRequests.linkId))
      .where(and(...conditions))
      .orderBy(desc(expansionRequests.id))
      .limit(query.limit + 1);
    return keysetPage(
      found,
      query.limit,
      (last) => String(last.request.id),
      (page) => page.map((f) => expansionView(f.request, { name: f.linkName, capacityMbps: f.capacityMbps }, f.status)),
    );
  });
}

/**
 * The paying unit's decision (article 20: expansion is paid by that level's budget): an
 * operator whose subtree holds the paying unit approves or rejects, with an opinion. An
 * approval on a link already raised to the recommendation is fulfilled at once.
 */
export async function decideExpansion(ctx: Ctx, id: string, input: DecisionInput): Promise<ExpansionRequestView> {
  // A role that may never do this hears 403 before the lookup (CONTRIBUTING: Add a verb), not 404.
  assertRole(ctx, 'expansion.decide');
  return mutate(ctx, async (tx, audit) => {
    const [before] = await tx.select().from(expansionRequests).where(eq(expansionRequests.id, Number(id))).for('update');
    if (!before) {
      authorize(ctx, 'expansion.read');
      throw notFound(`expansion request ${id}`);
    }
    const unit = await unitPath(tx, before.unitCode);
    authorize(ctx, 'expansion.decide', { unit: unit! });
    if (before.status !== 'open') {
      throw conflict(`expansion request ${id} is already ${before.status}${before.decidedBy ? ` (by ${before.decidedBy})` : ''}; only an open request takes a decision`);
    }
    const [link] = await tx.select({ name: links.name, capacityMbps: links.capacityMbps }).from(links).where(eq(links.id, before.linkId));
    const now = ctx.now();
    const approved = input.decision === 'approve';
    const alreadyRaised = approved && link !== undefined && link.capacityMbps >= before.recommendedMbps;
    const [row] = await tx
      .update(expansionRequests)
      .set({
        status: approved ? (alreadyRaised ? 'fulfilled' : 'approved') : 'rejected',
        decidedAt: now,
        decidedBy: ctx.actor.username,
        opinion: input.opinion,
        fulfilledAt: alreadyRaised ? now : null,
      })
      .where(eq(expansionRequests.id, before.id))
      .returning();
    const linkInfo = { name: link?.name ?? null, capacityMbps: link?.capacityMbps ?? null };
    const view = expansionView(row, linkInfo);
    await audit({ action: 'expansion.decide', objectType: 'expansion_request', objectId: view.id, before: expansionView(before, linkInfo), after: view });
    await emitEvent(tx, { type: 'expansion.decided', unitCodes: [row.unitCode], payload: view, at: now });
    return view;
  });
}
