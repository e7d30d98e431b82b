import { z } from '@hono/zod-openapi';
import { idCursor } from '../../http/paging.js';
import { objectId } from '../../http/params.js';
import { unitCode } from '../divisions/inputs.js';
import { recordTypes } from './values.js';

// Names are checked by names.ts after zod (IDNA, label and name lengths), so that the answer
// says which label is wrong; zod only bounds the text.
const nameText = z.string().min(1).max(1000);

export const nameserverInput = z
  .object({
    name: nameText.openapi({ example: 'ns1.gx.example' }),
    addresses: z
      .array(z.string().max(64))
      .max(8)
      .optional()
      .openapi({ description: 'needed (glue) when the name server lies inside the zone or the zone that delegates it', example: ['10.0.0.53'] }),
  })
  .strict()
  .openapi('Nameserver');

const nameservers = z.array(nameserverInput).min(1).max(13);

const ttl = z.number().int().min(60).max(604_800);

export const soaInput = z
  .object({
    rname: nameText.optional().openapi({ description: 'the zone’s contact mailbox, as hostmaster@gx.example or hostmaster.gx.example', example: 'hostmaster@gx.example' }),
    refresh: z.number().int().min(60).max(2_419_200).optional(),
    retry: z.number().int().min(60).max(2_419_200).optional(),
    expire: z.number().int().min(3600).max(31_536_000).optional(),
    minimum: z.number().int().min(0).max(86_400).optional(),
  })
  .strict()
  .openapi('SoaInput');

export const createDomainInput = z
  .object({
    name: nameText.openapi({ example: 'gx.example' }),
    holder: unitCode,
    nameservers,
    soa: soaInput.optional(),
    ttl: ttl.optional().openapi({ description: 'TTL of the SOA, apex NS, delegations and glue (default WAIWANG_DNS_TTL, 3600)' }),
  })
  .strict()
  .openapi('CreateDomain');
export type CreateDomainInput = z.infer<typeof createDomainInput>;

export const delegateInput = z
  .object({
    label: z.string().min(1).max(300).openapi({ description: 'one label; Chinese labels are converted to punycode', example: 'nanning' }),
    holder: unitCode,
    nameservers,
    soa: soaInput.optional(),
    ttl: ttl.optional(),
  })
  .strict()
  .openapi('DelegateDomain');
export type DelegateInput = z.infer<typeof delegateInput>;

export const updateDomainInput = z
  .object({
    nameservers: nameservers.optional(),
    soa: soaInput.optional(),
    ttl: ttl.optional(),
  })
  .strict()
  .openapi('UpdateDomain');
export type UpdateDomainInput = z.infer<typeof updateDomainInput>;

export const recordInput = z
  .object({
    name: z.string().max(1000).openapi({ description: '@ for the apex; relative to the zone unless it ends with a dot or with the zone’s name', example: 'www' }),
    type: z.enum(recordTypes),
    value: z.string().max(5000).openapi({ example: '10.0.0.80' }),
    ttl: ttl.optional().openapi({ description: 'seconds, 60 to 604800; the zone’s TTL when absent' }),
  })
  .strict()
  .openapi('RecordInput');
export type RecordInput = z.infer<typeof recordInput>;

export const listDomainsQuery = z
  .object({
    name: z.string().max(1000).optional().openapi({ description: 'exact name, ASCII or Unicode' }),
    holder: unitCode.optional(),
    parent: objectId.optional().openapi({ description: 'id of the parent domain' }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: idCursor.optional(),
  })
  .strict();
export type ListDomainsQuery = z.infer<typeof listDomainsQuery>;

export const listRecordsQuery = z
  .object({
    name: z.string().max(1000).optional(),
    type: z.enum(recordTypes).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: idCursor.optional(),
  })
  .strict();
export type ListRecordsQuery = z.infer<typeof listRecordsQuery>;

export const reverseZoneQuery = z
  .object({
    vrf: z.string().min(1).max(100).optional().openapi({ description: 'the address space; default the shared ones (public, internet)' }),
  })
  .strict();

export const nameserverSchema = z.object({ name: z.string(), unicodeName: z.string(), addresses: z.array(z.string()) }).openapi('NameserverView');

export const domainSchema = z
  .object({
    id: z.string(),
    name: z.string().openapi({ description: 'ASCII (punycode) form, without the final dot' }),
    unicodeName: z.string(),
    holder: z.object({ code: z.string(), name: z.string() }),
    parentId: z.string().nullable(),
    nameservers: z.array(nameserverSchema),
    soa: z.object({ mname: z.string(), rname: z.string(), refresh: z.number(), retry: z.number(), expire: z.number(), minimum: z.number() }),
    ttl: z.number(),
    serial: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Domain');
export type DomainView = z.infer<typeof domainSchema>;

export const warningSchema = z.object({ code: z.string(), message: z.string() }).openapi('Warning');

export const recordSchema = z
  .object({
    id: z.string(),
    domainId: z.string(),
    name: z.string(),
    unicodeName: z.string(),
    type: z.enum(recordTypes),
    value: z.string(),
    ttl: z.number(),
    createdAt: z.string(),
  })
  .openapi('Record');
export type RecordView = z.infer<typeof recordSchema>;

export const createdRecordSchema = recordSchema
  .extend({
    serial: z.number().openapi({ description: 'the zone’s serial after this change' }),
    warnings: z.array(warningSchema).openapi({ description: 'where registry and DNS disagree (an address the registry does not hold for the zone’s holder)' }),
  })
  .openapi('CreatedRecord');
export type CreatedRecordView = z.infer<typeof createdRecordSchema>;

export const reverseZoneListSchema = z.object({ items: z.array(z.object({ name: z.string() })) }).openapi('ReverseZoneNames');
