import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { WebhookEventType } from './schema.js';

export interface WaiwangEvent {
  type: WebhookEventType;
  /** The units the event concerns: a webhook of unit U receives it when U is among them. */
  unitCodes: string[];
  payload: Record<string, unknown>;
  /** When it happened (e.g. the caller's ctx.now()); defaults to now. The first attempt is due at once (never later than commit time). */
  at?: Date;
}

/** What a receiver gets: the same bytes on every retry, signed with the webhook's secret. */
export interface EventBody {
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  unitCodes: string[];
  data: Record<string, unknown>;
}

/**
 * Queues one delivery per matching webhook inside the caller's transaction, so the event
 * exists exactly when its cause commits (a rolled-back incident notifies nobody). Delivery
 * itself is the worker's job, after commit.
 */
export async function emitEvent(tx: Tx, event: WaiwangEvent): Promise<void> {
  const unitCodes = [...new Set(event.unitCodes)];
  if (unitCodes.length === 0) return;
  const body: EventBody = {
    id: randomUUID(),
    type: event.type,
    occurredAt: (event.at ?? new Date()).toISOString(),
    unitCodes,
    data: event.payload,
  };
  const units = sql.join(
    unitCodes.map((code) => sql`${code}`),
    sql`, `,
  );
  await tx.execute(sql`
    INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, status, next_attempt_at)
    SELECT w.id, ${body.id}, ${body.type}, ${JSON.stringify(body)}, 'pending', LEAST(${body.occurredAt}::timestamptz, now())
    FROM webhooks w
    WHERE w.active AND w.unit_code IN (${units}) AND ${body.type} = ANY (w.events)`);
}
