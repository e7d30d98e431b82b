import { z } from '@hono/zod-openapi';
import { unitCode } from '../divisions/inputs.js';
import { idCursor } from '../../http/paging.js';
import { webhookEventTypes } from './schema.js';

/** Only http and https: a receiver is a web endpoint, never file:, ftp: or javascript:. */
const webhookUrl = z
  .string()
  .max(2048)
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text.slice(0, 80))} is not an absolute URL; write it as https://host/path` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `a webhook URL is http or https, not ${url.protocol.replace(':', '')}` });
    }
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'put no credentials in the URL; the receiver checks the X-Waiwang-Signature header instead' });
    if (url.hash) ctx.addIssue({ code: 'custom', message: 'a webhook URL has no #fragment' });
  })
  .openapi({ example: 'https://ops.nanning.gxzw.invalid/waiwang-events' });

const secret = z.string().min(16, 'the signing secret has at least 16 characters').max(256).openapi({ description: 'write-only: the key of the HMAC-SHA256 signature' });
const events = z
  .array(z.enum(webhookEventTypes))
  .min(1)
  .max(webhookEventTypes.length)
  .refine((list) => new Set(list).size === list.length, 'each event type once');

export const createWebhookInput = z
  .object({ unit: unitCode, url: webhookUrl, secret, events, active: z.boolean().default(true) })
  .strict()
  .openapi('CreateWebhook');
export type CreateWebhookInput = z.infer<typeof createWebhookInput>;

export const updateWebhookInput = z
  .object({ url: webhookUrl.optional(), secret: secret.optional(), events: events.optional(), active: z.boolean().optional() })
  .strict()
  .openapi('UpdateWebhook');
export type UpdateWebhookInput = z.infer<typeof updateWebhookInput>;

const page = { limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: idCursor.optional() };

export const listWebhooksQuery = z.object({ unit: unitCode.optional(), ...page }).strict();
export type ListWebhooksQuery = z.infer<typeof listWebhooksQuery>;

export const listDeliveriesQuery = z.object({ status: z.enum(['pending', 'delivered', 'failed']).optional(), ...page }).strict();
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuery>;

export const webhookSchema = z
  .object({
    id: z.string(),
    unit: z.string(),
    url: z.string(),
    events: z.array(z.enum(webhookEventTypes)),
    active: z.boolean(),
    secret: z.object({ configured: z.boolean() }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Webhook');
export type WebhookView = z.infer<typeof webhookSchema>;

export const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    lastStatusCode: z.number().nullable(),
    lastError: z
      .string()
      .nullable()
      .openapi({ description: 'the category of the last failure: refused, timeout, tls, http_status, dns, blocked, unreachable, connection, secret' }),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    body: z.unknown().openapi({ description: 'the event as sent' }),
    log: z.array(
      z.object({ attempt: z.number(), at: z.string(), statusCode: z.number().nullable(), error: z.string().nullable().openapi({ description: 'the category, as lastError' }), durationMs: z.number() }),
    ),
  })
  .openapi('WebhookDelivery');
export type DeliveryView = z.infer<typeof deliverySchema>;
