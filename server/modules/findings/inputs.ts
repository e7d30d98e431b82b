import { z } from '@hono/zod-openapi';
import { idCursor } from '../../http/paging.js';
import { objectId } from '../../http/params.js';
import { findingKinds } from './schema.js';


export const listFindingsQuery = z
  .object({
    status: z.enum(['open', 'resolved']).optional(),
    device: objectId.optional(),
    kind: z.enum(findingKinds).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: idCursor.optional(),
  })
  .strict();
export type ListFindingsQuery = z.infer<typeof listFindingsQuery>;

export const resolveFindingInput = z
  .object({
    comment: z.string().trim().min(1).max(4000).openapi({ description: 'what was done about it' }),
  })
  .strict()
  .openapi('ResolveFinding');
export type ResolveFindingInput = z.infer<typeof resolveFindingInput>;

export const findingSchema = z
  .object({
    id: z.string(),
    device: z.string(),
    hostname: z.string().nullable(),
    kind: z.enum(findingKinds),
    subject: z.string().openapi({ description: 'what on the device it concerns (an interface name), or empty for the device itself' }),
    detail: z.string(),
    diff: z.unknown().nullable().optional(),
    status: z.enum(['open', 'resolved']),
    openedAt: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    resolution: z.string().nullable(),
  })
  .openapi('Finding');
export type FindingView = z.infer<typeof findingSchema>;
