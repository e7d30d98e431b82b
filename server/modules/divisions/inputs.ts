import { z } from '@hono/zod-openapi';

export const unitCode = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[0-9A-Z][0-9A-Z-]*$/, 'a unit code: digits and capital letters (a division code, a unified social credit code or an operator-given code)')
  .openapi({ example: '450100' });

const channels = z
  .object({
    hotline: z.string().max(64).optional(),
    email: z.string().email().max(254).optional(),
    website: z.string().url().max(512).optional(),
    wechat: z.string().max(128).optional(),
  })
  .strict()
  .openapi('ServiceChannels');

export const createUnitInput = z
  .object({
    code: unitCode,
    name: z.string().trim().min(1).max(200),
    parent: unitCode,
    kind: z.enum(['department', 'division']),
    type: z.string().max(40).optional().openapi({ description: 'divisions only; derived from the name when absent' }),
    channels: channels.optional(),
  })
  .strict()
  .openapi('CreateUnit');
export type CreateUnitInput = z.infer<typeof createUnitInput>;

export const updateUnitInput = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    retired: z.boolean().optional().openapi({ description: 'a retired unit keeps its history and holds nothing new' }),
    channels: channels.optional(),
  })
  .strict()
  .openapi('UpdateUnit');
export type UpdateUnitInput = z.infer<typeof updateUnitInput>;

export const listUnitsQuery = z
  .object({
    level: z.enum(['region', 'city', 'county', 'township']).optional(),
    parent: unitCode.optional(),
    kind: z.enum(['division', 'department']).optional(),
    within: unitCode.optional().openapi({ description: 'only units in this unit’s subtree' }),
    retired: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: unitCode.optional().openapi({ description: 'nextCursor of the previous page' }),
  })
  .strict();
export type ListUnitsQuery = z.infer<typeof listUnitsQuery>;

export const unitSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    level: z.enum(['region', 'city', 'county', 'township']),
    kind: z.enum(['division', 'department']),
    type: z.string(),
    parent: z.string().nullable(),
    retired: z.boolean(),
    retiredAt: z.string().nullable(),
    channels: z.record(z.string(), z.string()),
  })
  .openapi('Unit');
export type UnitView = z.infer<typeof unitSchema>;
