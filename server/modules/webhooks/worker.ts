import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { rows, type Db } from '../../db/client.js';
import { open, ownerOf, secretKey } from '../../crypto/secret-box.js';
import { Repeating } from '../../jobs.js';
import { checkTarget, systemLookup, type Lookup, type ResolvedAddress } from './targets.js';

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
  /** How receivers' names are resolved (tests replace it; the default is the system resolver). */
  lookup: Lookup;
}

export const defaultDeliveryOptions: DeliveryOptions = {
  baseDelayMs: 10_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 10,
  timeoutMs: 10_000,
  claimMs: 60_000,
  batchSize: 50,
  now: () => new Date(),
  lookup: systemLookup,
};

/**
 * What operators see of a failed attempt: a category, never the raw socket error (which tells
 * a prober what listens where). The server log keeps the detail for the administrator.
 *   refused      the receiver's host refused the connection (nothing listens on that port)
 *   timeout      no answer within the timeout (10 s)
 *   tls          the TLS handshake failed (certificate not trusted, expired, wrong name, not TLS)
 *   http_status  the receiver answered, but not 2xx (see the status code; redirects are not followed)
 *   dns          the receiver's name does not resolve
 *   blocked      the URL leads to the appliance itself, or to loopback, link-local, … (not sent)
 *   unreachable  no route to the receiver's network
 *   connection   the connection broke before an answer
 *   secret       this server cannot open the webhook's stored secret (not sent)
 */
export const deliveryErrors = ['refused', 'timeout', 'tls', 'http_status', 'dns', 'blocked', 'unreachable', 'connection', 'secret'] as const;
export type DeliveryError = (typeof deliveryErrors)[number];

const tlsCodes = new Set([
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/** The category of a socket, DNS or TLS error (Node's error codes). */
export function deliveryErrorOf(err: unknown): DeliveryError {
  const code = String((err as NodeJS.ErrnoException)?.code ?? '');
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT' || code === 'ETIMEOUT' || code === 'ESOCKETTIMEDOUT' || (err as Error)?.name === 'TimeoutError') return 'timeout';
  if (tlsCodes.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('ERR_OSSL_')) return 'tls';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA' || code === 'EAI_NONAME') return 'dns';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'ENETDOWN') return 'unreachable';
  return 'connection';
}

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
  error: DeliveryError | null;
  durationMs: number;
  /** For the server log only. */
  detail?: string;
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
    private readonly config: Pick<Config, 'secretKey' | 'dataDir' | 'databaseUrl' | 'webhookAllowPrivateTargets'>,
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
    const failed = (error: DeliveryError, detail: string): Outcome => ({ ok: false, statusCode: null, error, durationMs: elapsed(), detail });
    let secret: string;
    try {
      secret = open<string>(secretKey(this.config, this.log), 'webhook', ownerOf('webhook', d.webhookId), d.secret);
    } catch (err) {
      return failed('secret', (err as Error).message);
    }
    const url = new URL(d.url);
    // Checked at every attempt, not only when the URL was registered: a name may resolve elsewhere now.
    const target = await checkTarget(url, this.config.webhookAllowPrivateTargets, this.options.lookup, this.options.timeoutMs);
    if (!target.ok) return failed(target.category, target.detail);
    try {
      const statusCode = await post(url, target.address, d.body, {
        'content-type': 'application/json',
        'user-agent': 'waiwang-webhooks/1',
        'x-waiwang-event': d.eventType,
        'x-waiwang-delivery': String(d.id),
        'x-waiwang-event-id': d.eventId,
        'x-waiwang-signature': signature(secret, d.body),
      }, this.options.timeoutMs);
      const ok = statusCode >= 200 && statusCode < 300;
      return { ok, statusCode, error: ok ? null : 'http_status', durationMs: elapsed(), ...(ok ? {} : { detail: `the receiver answered ${statusCode}` }) };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return failed(deliveryErrorOf(err), `${e.code ?? e.name}: ${e.message}`);
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
      this.log?.warn(
        { webhook: { id: d.webhookId, delivery: d.id, attempt, status, statusCode: outcome.statusCode, error: outcome.error, detail: outcome.detail } },
        'webhook delivery attempt failed',
      );
    }
    return status;
  }
}

/**
 * One POST to the checked address: the socket connects to `address` (the lookup hook hands it
 * to net.connect, which in Node 20 asks for all addresses, happy eyeballs), while the Host header,
 * TLS SNI and the certificate check use the URL's name. A fresh connection each time (no
 * keep-alive pool), so no socket opened for an earlier answer of the resolver is reused. Resolves
 * with the status code once the answer's head arrives; the body is discarded. Redirects are not
 * followed (node:http never does): one would resend the signed body somewhere the unit never
 * registered, past the target check.
 */
function post(url: URL, address: ResolvedAddress, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [address]);
    else callback(null, address.address, address.family);
  };
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: pinned, agent: false, signal },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    request.on('error', (err) => reject(signal.aborted ? Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' }) : err));
    request.end(body);
  });
}
