import { createRoute, z } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idCursor } from '../../http/paging.js';
import { listAudit, verifyAudit } from './service.js';

const tags = ['audit'];

const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    objectType: z.string(),
    objectId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
    hash: z.string(),
  })
  .openapi('AuditEntry');

const verificationSchema = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    sealed: z.number().int(),
    unsealed: z.number().int(),
    head: z.string().nullable(),
    firstBroken: z
      .object({ position: z.number().int(), entryId: z.number().int().nullable(), reason: z.string(), detail: z.string() })
      .nullable(),
    anchorProblem: z
      .object({ line: z.number().int(), kind: z.enum(['damaged', 'torn_tail']), detail: z.string() })
      .nullable()
      .openapi({ description: 'the first bad line of the anchor file: damaged (ok is false) or a torn last line from a crash (ok unaffected; the next pass repairs it)' }),
    unsealedOverdue: z
      .object({ count: z.number().int(), oldestEntryId: z.number().int(), oldestAt: z.string(), detail: z.string() })
      .nullable()
      .openapi({ description: 'entries written more than a minute ago and still unsealed (ok is false)' }),
  })
  .openapi('AuditVerification');

export const auditRoutes = router()
  .openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      tags,
      security,
      request: {
        query: z
          .object({
            object: z.string().max(200).optional(),
            actor: z.string().max(64).optional(),
            action: z.string().max(64).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            cursor: idCursor.optional(),
          })
          .strict(),
      },
      responses: { 200: jsonResponse(listOf(auditEntrySchema)), ...errorResponses },
    }),
    async (c) => c.json(await listAudit(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/audit/verify',
      tags,
      security,
      summary: 'check the sealed chain against the entries and the anchors outside the database',
      responses: { 200: jsonResponse(verificationSchema), ...errorResponses },
    }),
    async (c) => c.json(await verifyAudit(ctxOf(c)), 200),
  );
