import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { rows, type Db } from '../../db/client.js';
import { open, ownerOf, secretKey } from '../../crypto/secret-box.js';
import { Repeating } from '../../jobs.js';

export interface DeliveryOptions {
  /** The first retry waits this long; each further one twice as long as the one before. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** After this many failed attempts a delivery is `failed` and never tried again. */
  maxAttempts: number;
  timeoutMs: number;
  /** How long a claimed delivery stays hidden from other servers while this one sends it. */
  claimMs: number;
  batchSize: number;
  now: () => Date;
}

export const defaultDeliveryOptions: DeliveryOptions = {
  baseDelayMs: 10_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 10,
  timeoutMs: 10_000,
  claimMs: 60_000,
  batchSize: 50,
  now: () => new Date(),
};

/** `sha256=<hex HMAC-SHA256 of the body>`, the value of X-Waiwang-Signature. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** 10 s, 20 s, 40 s, … up to the cap: the wait after the n-th failed attempt (n from 1). */
export function retryDelayMs(failedAttempts: number, options: Pick<DeliveryOptions, 'baseDelayMs' | 'maxDelayMs'>): number {
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

interface Claimed {
  id: number;
  webhookId: number;
  eventId: string;
  eventType: string;
  body: string;
  attempts: number;
  url: string;
  secret: string;
}

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface PassResult {
  attempted: number;
  delivered: number;
  failed: number;
}

/**
 * Sends pending webhook deliveries. Each pass claims due rows with FOR UPDATE SKIP LOCKED and
 * pushes their next attempt past the claim window in the same short transaction, so servers
 * sharing the database never send one delivery twice, and no transaction stays open while a
 * receiver answers (PGlite has one connection; a slow receiver must not stall the API). A
 * server that dies mid-send leaves the row to be claimed again when the window ends.
 */
export class WebhookDeliveryWorker {
  private readonly schedule: Repeating;
  private readonly options: DeliveryOptions;

  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'secretKey' | 'dataDir' | 'databaseUrl'>,
    private readonly log?: Logger,
    options: Partial<DeliveryOptions> = {},
  ) {
    this.options = { ...defaultDeliveryOptions, ...options };
    this.schedule = new Repeating('webhook delivery pass', () => this.pass(), log);
  }

  start(intervalMs = 2_000): void {
    // Load (or generate, with its warning) the key at start rather than at the first event.
    secretKey(this.config, this.log);
    this.schedule.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  async pass(): Promise<PassResult> {
    const claimed = await this.claim();
    const outcomes = await Promise.all(claimed.map((d) => this.send(d)));
    let delivered = 0;
    let failed = 0;
    for (let i = 0; i < claimed.length; i++) {
      const final = await this.record(claimed[i], outcomes[i]);
      if (final === 'delivered') delivered++;
      if (final === 'failed') failed++;
    }
    return { attempted: claimed.length, delivered, failed };
  }

  private async claim(): Promise<Claimed[]> {
    const now = this.options.now();
    const hiddenUntil = new Date(now.getTime() + this.options.claimMs);
    return this.db.transaction(async (tx) => {
      const due = await rows<{ id: string | number }>(
        tx,
        sql`SELECT id FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= ${now.toISOString()}::timestamptz
            ORDER BY next_attempt_at, id LIMIT ${this.options.batchSize}
            FOR UPDATE SKIP LOCKED`,
      );
      if (due.length === 0) return [];
      const ids = sql.join(
        due.map((d) => sql`${Number(d.id)}`),
        sql`, `,
      );
      const taken = await rows<{ id: string | number; webhook_id: string | number; event_id: string; event_type: string; body: string; attempts: number; url: string; secret: string }>(
        tx,
        sql`UPDATE webhook_deliveries d SET next_attempt_at = ${hiddenUntil.toISOString()}::timestamptz
            FROM webhooks w
            WHERE w.id = d.webhook_id AND d.id IN (${ids})
            RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.body, d.attempts, w.url, w.secret`,
      );
      return taken.map((r) => ({
        id: Number(r.id),
        webhookId: Number(r.webhook_id),
        eventId: r.event_id,
        eventType: r.event_type,
        body: r.body,
        attempts: Number(r.attempts),
        url: r.url,
        secret: r.secret,
      }));
    });
  }

  private async send(d: Claimed): Promise<Outcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const secret = open<string>(secretKey(this.config, this.log), 'webhook', ownerOf('webhook', d.webhookId), d.secret);
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'waiwang-webhooks/1',
          'x-waiwang-event': d.eventType,
          'x-waiwang-delivery': String(d.id),
          'x-waiwang-event-id': d.eventId,
          'x-waiwang-signature': signature(secret, d.body),
        },
        body: d.body,
        // A redirect would resend the signed body somewhere the unit never registered.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await res.body?.cancel().catch(() => {});
      const ok = res.status >= 200 && res.status < 300;
      return { ok, statusCode: res.status, error: ok ? null : `the receiver answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, durationMs: elapsed() };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const reason = e.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { ok: false, statusCode: null, error: String(reason).slice(0, 500), durationMs: elapsed() };
    }
  }

  private async record(d: Claimed, outcome: Outcome): Promise<'delivered' | 'pending' | 'failed'> {
    const now = this.options.now();
    const attempt = d.attempts + 1;
    const status = outcome.ok ? 'delivered' : attempt >= this.options.maxAttempts ? 'failed' : 'pending';
    const next = new Date(now.getTime() + (status === 'pending' ? retryDelayMs(attempt, this.options) : 0));
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`
        INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms)
        VALUES (${d.id}, ${attempt}, ${now.toISOString()}::timestamptz, ${outcome.statusCode}, ${outcome.error}, ${outcome.durationMs})`);
      await tx.execute(sql`
        UPDATE webhook_deliveries SET status = ${status}, attempts = ${attempt}, next_attempt_at = ${next.toISOString()}::timestamptz,
          last_status_code = ${outcome.statusCode}, last_error = ${outcome.error},
          delivered_at = ${outcome.ok ? now.toISOString() : null}::timestamptz
        WHERE id = ${d.id}`);
    });
    if (!outcome.ok) {
      this.log?.warn({ webhook: { id: d.webhookId, delivery: d.id, attempt, status, statusCode: outcome.statusCode, error: outcome.error } }, 'webhook delivery attempt failed');
    }
    return status;
  }
}
