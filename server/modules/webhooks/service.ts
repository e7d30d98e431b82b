import { and, asc, desc, eq, gt, inArray, lt, type SQL } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../context.js';
import { nextSerialId, type Executor } from '../../db/client.js';
import { keysetPage, type Page } from '../../http/paging.js';
import { invalid, notFound } from '../../http/problem.js';
import { assertRole, authorize } from '../access/authorize.js';
import { unitInScope } from '../access/scope.js';
import { assertActive, loadUnit } from '../divisions/service.js';
import { ownerOf, seal, secretKey } from '../../crypto/secret-box.js';
import type { CreateWebhookInput, DeliveryView, ListDeliveriesQuery, ListWebhooksQuery, UpdateWebhookInput, WebhookView } from './inputs.js';
import { webhookAttempts, webhookDeliveries, webhooks, type WebhookEventType, type WebhookRow } from './schema.js';
import { checkTarget, systemLookup } from './targets.js';

export function webhookView(row: WebhookRow): WebhookView {
  return {
    id: String(row.id),
    unit: row.unitCode,
    url: row.url,
    events: row.events as WebhookEventType[],
    active: row.active,
    secret: { configured: true },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function loadWebhook(db: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<WebhookRow> {
  const query = db.select().from(webhooks).where(eq(webhooks.id, Number(id)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw notFound(`webhook ${id}`);
  return row;
}

/** How long a registration waits for the receiver's name to resolve. */
const resolveTimeoutMs = 5_000;

/**
 * A URL that leads to the appliance itself is refused when it is registered (the delivery
 * worker checks again at every attempt: a name may resolve elsewhere later). A name that does
 * not resolve yet is accepted: the receiver may go into DNS after it is registered.
 * Runs outside the transaction (a lookup may take seconds) and after the caller's scope is
 * checked, so nobody outside the unit can use it to learn where names resolve.
 */
async function assertAllowedTarget(ctx: Ctx, url: string): Promise<void> {
  const verdict = await checkTarget(new URL(url), ctx.config.webhookAllowPrivateTargets, systemLookup, resolveTimeoutMs);
  if (!verdict.ok && verdict.category === 'blocked') throw invalid(`url: ${verdict.detail}`, { field: 'url' });
}

export async function createWebhook(ctx: Ctx, input: CreateWebhookInput): Promise<WebhookView> {
  assertRole(ctx, 'webhook.create');
  await read(async () => authorize(ctx, 'webhook.create', { unit: await loadUnit(ctx.db, input.unit) }));
  await assertAllowedTarget(ctx, input.url);
  return mutate(ctx, async (tx, audit) => {
    const unit = await loadUnit(tx, input.unit);
    authorize(ctx, 'webhook.create', { unit });
    assertActive(unit);
    // The id first: the secret is sealed for this row (server/crypto/secret-box.ts).
    const id = await nextSerialId(tx, 'webhooks');
    const [row] = await tx
      .insert(webhooks)
      .values({
        id,
        unitCode: unit.code,
        url: input.url,
        secret: seal(secretKey(ctx.config), 'webhook', ownerOf('webhook', id), input.secret),
        events: input.events,
        active: input.active,
        createdAt: ctx.now(),
        updatedAt: ctx.now(),
      })
      .returning();
    const view = webhookView(row);
    await audit({ action: 'webhook.create', objectType: 'webhook', objectId: view.id, after: view });
    return view;
  });
}

/** A webhook the caller reads (its unit in the caller's subtree), or 404: ids reveal nothing. */
async function loadReadableWebhook(ctx: Ctx, id: string): Promise<WebhookRow> {
  const [row] = await ctx.db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, Number(id)), unitInScope(ctx, webhooks.unitCode)));
  if (!row) throw notFound(`webhook ${id}`);
  return row;
}

export async function getWebhook(ctx: Ctx, id: string): Promise<WebhookView> {
  authorize(ctx, 'webhook.read');
  return read(async () => webhookView(await loadReadableWebhook(ctx, id)));
}

export async function listWebhooks(ctx: Ctx, query: ListWebhooksQuery): Promise<Page<WebhookView>> {
  authorize(ctx, 'webhook.read');
  return read(async () => {
    // Outside one's subtree a webhook is not even listed (a unit outside it lists nothing).
    const conditions: (SQL | undefined)[] = [unitInScope(ctx, webhooks.unitCode)];
    if (query.unit) conditions.push(eq(webhooks.unitCode, query.unit));
    if (query.cursor) conditions.push(gt(webhooks.id, Number(query.cursor)));
    const found = await ctx.db
      .select()
      .from(webhooks)
      .where(and(...conditions))
      .orderBy(asc(webhooks.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), (page) => page.map(webhookView));
  });
}

export async function updateWebhook(ctx: Ctx, id: string, input: UpdateWebhookInput): Promise<WebhookView> {
  assertRole(ctx, 'webhook.update');
  if (input.url !== undefined) {
    const url = input.url;
    await read(async () => authorize(ctx, 'webhook.update', { unit: await loadUnit(ctx.db, (await loadWebhook(ctx.db, id)).unitCode) }));
    await assertAllowedTarget(ctx, url);
  }
  return mutate(ctx, async (tx, audit) => {
    const before = await loadWebhook(tx, id, { forUpdate: true });
    authorize(ctx, 'webhook.update', { unit: await loadUnit(tx, before.unitCode) });
    const [row] = await tx
      .update(webhooks)
      .set({
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.secret !== undefined ? { secret: seal(secretKey(ctx.config), 'webhook', ownerOf('webhook', before.id), input.secret) } : {}),
        ...(input.events !== undefined ? { events: input.events } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
        updatedAt: ctx.now(),
      })
      .where(eq(webhooks.id, before.id))
      .returning();
    const view = webhookView(row);
    // The audit says that the secret changed, never what it is.
    await audit({
      action: 'webhook.update',
      objectType: 'webhook',
      objectId: view.id,
      before: webhookView(before),
      after: { ...view, secret: { configured: true, changed: input.secret !== undefined } },
    });
    return view;
  });
}

export async function deleteWebhook(ctx: Ctx, id: string): Promise<void> {
  assertRole(ctx, 'webhook.delete');
  await mutate(ctx, async (tx, audit) => {
    const before = await loadWebhook(tx, id, { forUpdate: true });
    authorize(ctx, 'webhook.delete', { unit: await loadUnit(tx, before.unitCode) });
    await tx.delete(webhooks).where(eq(webhooks.id, before.id));
    await audit({ action: 'webhook.delete', objectType: 'webhook', objectId: String(before.id), before: webhookView(before) });
  });
}

/** The delivery log, newest first, each delivery with all its attempts. */
export async function listDeliveries(ctx: Ctx, id: string, query: ListDeliveriesQuery): Promise<Page<DeliveryView>> {
  authorize(ctx, 'webhook.read');
  return read(async () => {
    const hook = await loadReadableWebhook(ctx, id);
    const conditions: SQL[] = [eq(webhookDeliveries.webhookId, hook.id)];
    if (query.status) conditions.push(eq(webhookDeliveries.status, query.status));
    if (query.cursor) conditions.push(lt(webhookDeliveries.id, Number(query.cursor)));
    const found = await ctx.db
      .select()
      .from(webhookDeliveries)
      .where(and(...conditions))
      .orderBy(desc(webhookDeliveries.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), async (page) => {
      const attempts = page.length
        ? await ctx.db
            .select()
            .from(webhookAttempts)
            .where(
              inArray(
                webhookAttempts.deliveryId,
                page.map((d) => d.id),
              ),
            )
            .orderBy(asc(webhookAttempts.deliveryId), asc(webhookAttempts.attempt))
        : [];
      return page.map(
        (d): DeliveryView => ({
          id: String(d.id),
          eventId: d.eventId,
          eventType: d.eventType,
          status: d.status,
          attempts: d.attempts,
          nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
          lastStatusCode: d.lastStatusCode,
          lastError: d.lastError,
          createdAt: d.createdAt.toISOString(),
          deliveredAt: d.deliveredAt ? d.deliveredAt.toISOString() : null,
          body: JSON.parse(d.body),
          log: attempts
            .filter((a) => a.deliveryId === d.id)
            .map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
        }),
      );
    });
  });
}
