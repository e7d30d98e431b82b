import { z } from '@hono/zod-openapi';
import { findingKinds } from './schema.js';

const objectId = z.string().regex(/^[1-9][0-9]{0,17}$/, 'an id: the decimal string the server gave').openapi({ example: '12' });
export const findingIdParam = z.object({ id: objectId.openapi({ param: { name: 'id', in: 'path' } }) });

export const listFindingsQuery = z
  .object({
    status: z.enum(['open', 'resolved']).optional(),
    device: objectId.optional(),
    kind: z.enum(findingKinds).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: objectId.optional(),
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

export const findingView = z
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
export type FindingView = z.infer<typeof findingView>;
