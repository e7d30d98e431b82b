import { z } from '@hono/zod-openapi';
import { cursorParts, cursorQuery, idCursor, type CursorPart } from '../../http/paging.js';
import { objectId } from '../../http/params.js';
import { readStoredCidr } from '../../net/cidr.js';
import { unitCode } from '../divisions/inputs.js';

export const vrfName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, underscore and hyphen')
  .openapi({ example: 'public' });

export const createVrfInput = z
  .object({
    name: vrfName,
    zone: z.enum(['public', 'dedicated', 'internet']),
    description: z.string().max(500).default(''),
  })
  .strict()
  .openapi('CreateVrf');
export type CreateVrfInput = z.infer<typeof createVrfInput>;

export const vrfSchema = z.object({ name: z.string(), zone: z.string(), description: z.string(), createdAt: z.string() }).openapi('Vrf');
export const zoneSchema = z.object({ code: z.string(), name: z.string(), vrfs: z.array(z.string()) }).openapi('Zone');

const delegatedStatus = z.enum(['allocated', 'assigned', 'reserved']);
// CIDR text is checked by server/net/cidr.ts (strict, with "did you mean"); zod only bounds it.
const cidrText = z.string().max(64).openapi({ example: '10.45.0.0/16' });

export const createPrefixInput = z
  .object({
    vrf: vrfName.default('public'),
    cidr: cidrText,
    holder: unitCode,
    status: z.enum(['pool', 'allocated', 'assigned', 'reserved']).optional().openapi({
      description: 'a root pool (admin) becomes `pool`; a child defaults by the holder: the parent’s holder → reserved, a department → assigned, a child division → allocated',
    }),
    description: z.string().max(500).default(''),
  })
  .strict()
  .openapi('CreatePrefix');
export type CreatePrefixInput = z.infer<typeof createPrefixInput>;

export const allocateInput = z
  .object({
    prefixLength: z.number().int().min(1).max(128),
    holder: unitCode,
    status: delegatedStatus,
    strategy: z.enum(['first', 'best', 'last']).default('first'),
    count: z.number().int().min(1).max(256).default(1),
    description: z.string().max(500).default(''),
  })
  .strict()
  .openapi('Allocate');
export type AllocateInput = z.infer<typeof allocateInput>;

export const updatePrefixInput = z
  .object({ description: z.string().max(500).optional(), status: delegatedStatus.optional() })
  .strict()
  .openapi('UpdatePrefix');
export type UpdatePrefixInput = z.infer<typeof updatePrefixInput>;

const limit = z.coerce.number().int().min(1).max(1000).default(100);

const cidrPart: CursorPart<string> = {
  read: (text) => {
    try {
      // The cursor carries the row's cidr as PostgreSQL printed it (dotted IPv4 tails included).
      return readStoredCidr(text).text;
    } catch {
      return undefined;
    }
  },
};
/** Prefix pages are keyed by (vrf, prefix, id): stable under inserts, no OFFSET rescans. */
export const prefixCursorParts = [cursorParts.id, cidrPart, cursorParts.id] as const;
const prefixCursor = cursorQuery(...prefixCursorParts);

export const listPrefixesQuery = z
  .object({
    vrf: vrfName.optional(),
    holder: unitCode.optional(),
    holderWithin: unitCode.optional().openapi({ description: 'holders in this unit’s subtree' }),
    status: z.enum(['pool', 'allocated', 'assigned', 'reserved']).optional(),
    family: z.enum(['4', '6']).optional(),
    cidr: cidrText.optional().openapi({ description: 'exactly this prefix' }),
    contains: z.string().max(64).optional().openapi({ description: 'prefixes containing this address or CIDR' }),
    within: cidrText.optional().openapi({ description: 'prefixes inside this CIDR' }),
    limit,
    cursor: prefixCursor.optional(),
  })
  .strict();
export type ListPrefixesQuery = z.infer<typeof listPrefixesQuery>;

export const pageQuery = z.object({ limit, cursor: prefixCursor.optional() }).strict();

export const availableQuery = z
  .object({ prefixLength: z.coerce.number().int().min(1).max(128).optional(), limit })
  .strict();

const utilizationSchema = z
  .object({
    percent: z.number(),
    usedAddresses: z.string().openapi({ description: 'decimal string: may exceed 2^53' }),
    totalAddresses: z.string(),
  })
  .openapi('Utilization');

export const prefixSchema = z
  .object({
    id: z.string(),
    vrf: z.string(),
    zone: z.string(),
    cidr: z.string(),
    family: z.union([z.literal(4), z.literal(6)]),
    status: z.enum(['pool', 'allocated', 'assigned', 'reserved']),
    holder: z.object({ code: z.string(), name: z.string() }),
    parentId: z.string().nullable(),
    description: z.string(),
    utilization: utilizationSchema,
    childCount: z.number().int(),
    addressCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Prefix');
export type PrefixView = z.infer<typeof prefixSchema>;

export const freeBlockSchema = z.object({ cidr: z.string(), addresses: z.string() }).openapi('FreeBlock');

export const createAddressInput = z
  .object({
    address: z.string().max(64).optional().openapi({ description: 'absent: the next free host address' }),
    holder: unitCode.optional().openapi({ description: 'defaults to the prefix’s holder' }),
    hostname: z
      .string()
      .max(253)
      .regex(/^$|^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/, 'a host name: LDH labels of at most 63 characters')
      .default(''),
    description: z.string().max(500).default(''),
    gateway: z.boolean().default(false).openapi({ description: 'reserve the gateway: the first usable host when no address is given' }),
  })
  .strict()
  .openapi('CreateAddress');
export type CreateAddressInput = z.infer<typeof createAddressInput>;

export const addressSchema = z
  .object({
    id: z.string(),
    address: z.string(),
    vrf: z.string(),
    prefixId: z.string(),
    holder: z.string(),
    hostname: z.string(),
    description: z.string(),
    gateway: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('Address');
export type AddressView = z.infer<typeof addressSchema>;

export const listAddressesQuery = z
  .object({ vrf: vrfName.optional(), address: z.string().max(64).optional(), holder: unitCode.optional(), prefix: objectId.optional(), limit, cursor: idCursor.optional() })
  .strict();
export type ListAddressesQuery = z.infer<typeof listAddressesQuery>;

export const holderUtilizationSchema = z
  .object({ holder: z.object({ code: z.string(), name: z.string() }), ipv4: utilizationSchema.extend({ prefixes: z.number().int() }), ipv6: utilizationSchema.extend({ prefixes: z.number().int() }) })
  .openapi('HolderUtilization');
