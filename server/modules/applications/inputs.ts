import { z } from '@hono/zod-openapi';
import { idCursor } from '../../http/paging.js';
import { objectId } from '../../http/params.js';
import { unitCode } from '../divisions/inputs.js';
import { nameserverInput } from '../dns/inputs.js';
import { vrfName } from '../ipam/inputs.js';
import { agreementParties, applicationStatuses, applicationTypes } from './schema.js';

const personName = z.string().trim().min(1).max(100).openapi({ example: '韦工' });
const phone = z
  .string()
  .trim()
  .max(40)
  .regex(/^\+?[0-9][0-9 ()-]{2,30}$/, 'a telephone number: digits, optionally with +, spaces, hyphens and parentheses')
  .openapi({ example: '0771-5550000' });
const person = z.object({ name: personName, phone }).strict();

export const zones = ['public', 'dedicated', 'internet'] as const;

/**
 * One body for every type; which parts are required depends on `type` (article 19 for access
 * and deployment, article 21 for ip and domain, article 15 for plans). A missing part is 400
 * naming it; what the regulation refuses (no secrecy check, a classified system) is 422 from
 * the verb.
 */
export const submitApplicationInput = z
  .object({
    type: z.enum(applicationTypes),
    applicant: unitCode.openapi({ description: 'the applying unit: a department, or a division’s O&M unit' }),
    zones: z.array(z.enum(zones)).max(3).optional().openapi({ description: 'the functional zones (功能域) the access connects to' }),
    bandwidthMbps: z.number().int().min(0, 'bandwidth is a capacity in Mbps: 0 or more').max(1_000_000).optional(),
    compute: z.object({ vcpu: z.number().int().min(0).max(100_000), memoryGiB: z.number().min(0).max(10_000_000) }).strict().optional(),
    storageGiB: z.number().min(0, 'storage is a size in GiB: 0 or more').max(1_000_000_000).optional(),
    securityLevel: z.number().int().min(1, 'security protection level (等级保护) is 1 to 5').max(5, 'security protection level (等级保护) is 1 to 5').optional(),
    secrecyCheck: z
      .object({
        done: z.boolean().openapi({ description: 'the applicant ran the secrecy check (涉密性质安全保密检查) on the systems' }),
        classified: z.boolean().openapi({ description: 'a system is classified (涉密): the extranet carries none, so this is refused' }),
      })
      .strict()
      .optional(),
    systems: z
      .array(z.object({ name: z.string().trim().min(1).max(200).openapi({ example: '不动产登记系统' }) }).strict())
      .max(100)
      .optional(),
    contact: person.optional(),
    boundaryResponsible: person.optional().openapi({ description: 'the person designated for the boundary device (article 19: 指定专人)' }),
    coApplicants: z.array(unitCode).max(50).optional().openapi({ description: 'co-applicant units of cross-region or cross-department business; each confirms' }),
    ip: z
      .object({
        vrf: vrfName,
        prefixLength: z.number().int().min(1).max(128).optional(),
        addressCount: z.number().int().min(1).max(16_777_216).optional().openapi({ description: 'instead of prefixLength: the IPv4 addresses needed (rounded up to a block)' }),
        family: z.union([z.literal(4), z.literal(6)]).optional().openapi({ description: '4 or 6; default 6 for a prefixLength above 32, else 4' }),
      })
      .strict()
      .refine((ip) => (ip.prefixLength === undefined) !== (ip.addressCount === undefined), { message: 'give prefixLength or addressCount (one of them)' })
      .refine((ip) => !(ip.family === 4 && (ip.prefixLength ?? 0) > 32), { message: 'an IPv4 prefix is at most /32', path: ['prefixLength'] })
      .refine((ip) => !(ip.family === 6 && ip.addressCount !== undefined), { message: 'addressCount counts IPv4 addresses; for IPv6 give prefixLength', path: ['addressCount'] })
      .optional(),
    domain: z
      .object({
        parentId: objectId.openapi({ description: 'the reviewer’s zone the label is delegated from' }),
        label: z.string().min(1).max(300).openapi({ example: 'bdc' }),
        nameservers: z.array(nameserverInput).min(1).max(13),
      })
      .strict()
      .optional(),
    plan: z
      .object({
        title: z.string().trim().min(1).max(200).openapi({ example: '兴宁区电子政务外网扩容方案' }),
        scope: z.string().trim().min(1).max(2000).openapi({ example: '县级节点至市级节点链路由 100 Mbps 扩至 1000 Mbps' }),
        document: z.string().min(1).max(100_000).openapi({ description: 'the plan document’s text (multi-line)', example: '一、现状\n二、扩容方案' }),
        expansionRequestId: objectId.optional().openapi({ description: 'an expansion request (扩容申请) this plan answers; its evidence is attached' }),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const need = (field: keyof typeof a, why: string) => {
      if (a[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${a.type} applications need ${field} (${why})` });
    };
    if (a.type === 'access' || a.type === 'deployment') {
      need('bandwidthMbps', 'article 19: network requirements');
      need('securityLevel', 'article 19: security protection level');
      need('secrecyCheck', 'article 19: the secrecy check of the systems');
      need('contact', 'who answers for the application');
      need('boundaryResponsible', 'article 19: the boundary device’s responsible person');
      if (!a.systems || a.systems.length === 0) ctx.addIssue({ code: 'custom', path: ['systems'], message: `${a.type} applications list the systems to connect` });
    }
    if (a.type === 'deployment') {
      need('compute', 'vCPU and memory for the business');
      need('storageGiB', 'storage for the business');
    }
    if (a.type === 'ip') need('ip', 'the VRF and the size of the space');
    if (a.type === 'domain') need('domain', 'the zone and the label');
    if (a.type === 'plan') need('plan', 'the plan itself');
    if (a.type === 'ip' || a.type === 'domain' || a.type === 'plan') need('contact', 'who answers for the application');
    for (const part of ['ip', 'domain', 'plan'] as const) {
      if (a[part] !== undefined && a.type !== part) ctx.addIssue({ code: 'custom', path: [part], message: `${part} belongs to ${part} applications, not ${a.type}` });
    }
  })
  .openapi('SubmitApplication', {
    example: {
      type: 'access',
      applicant: 'GX-DEPT-001',
      zones: ['public'],
      bandwidthMbps: 100,
      securityLevel: 3,
      secrecyCheck: { done: true, classified: false },
      systems: [{ name: '不动产登记系统' }],
      contact: { name: '李明', phone: '0771-5551234' },
      boundaryResponsible: { name: '韦工', phone: '0771-5550000' },
    },
  });
export type SubmitApplicationInput = z.infer<typeof submitApplicationInput>;

export const decisionInput = z
  .object({
    decision: z.enum(['approve', 'reject']),
    opinion: z.string().max(10_000).default('').openapi({ description: '审核意见; required to reject', example: '同意接入，请按协议落实边界设备专人管理。' }),
    pool: objectId.optional().openapi({ description: 'ip approval: the reviewer’s prefix to allocate from (default: its best-fitting prefix of the requested VRF)' }),
  })
  .strict()
  .openapi('ApplicationDecision');
export type DecisionInput = z.infer<typeof decisionInput>;

export const confirmQuery = z
  .object({ unit: unitCode.optional().openapi({ description: 'the co-applicant confirming (default: every unconfirmed co-applicant the caller acts for)' }) })
  .strict();
export type ConfirmQuery = z.infer<typeof confirmQuery>;

export const listApplicationsQuery = z
  .object({
    status: z.enum(applicationStatuses).optional(),
    type: z.enum(applicationTypes).optional(),
    reviewer: unitCode.optional(),
    applicant: unitCode.optional(),
    overdue: z.enum(['true', 'false']).optional().openapi({ description: 'true: open applications past their acceptance or review deadline' }),
    filed: z.enum(['true', 'false']).optional().openapi({ description: 'true: approved plans filed (备案) with the region information center' }),
    sort: z.enum(['id', 'due']).optional().openapi({ description: 'id (default) or due: by the running date (acceptBy before acceptance, then the deadline), earliest first — the review queue' }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z
      .string()
      .max(40)
      .regex(/^([1-9][0-9]{0,17}|\d{4}-\d{2}-\d{2}\|[1-9][0-9]{0,17})$/, 'not a cursor this server handed out: send nextCursor of the previous page as it came')
      .optional()
      .openapi({ description: 'nextCursor of the previous page' }),
  })
  .strict();
export type ListApplicationsQuery = z.infer<typeof listApplicationsQuery>;

const personView = z.object({ name: z.string(), phone: z.string() });

export const applicationSchema = z
  .object({
    id: z.string(),
    type: z.enum(applicationTypes),
    status: z.enum(applicationStatuses),
    applicant: z.string(),
    applicantName: z.string(),
    reviewer: z.string(),
    reviewerName: z.string(),
    adminReview: z.boolean().openapi({ description: 'a region plan: reviewed by the admin' }),
    submittedAt: z.string(),
    submittedBy: z.string().nullable(),
    acceptBy: z.string().openapi({ description: 'YYYY-MM-DD: the reviewer accepts (受理) by this working day' }),
    acceptByProvisional: z.boolean(),
    acceptedAt: z.string().nullable(),
    acceptedBy: z.string().nullable(),
    deadline: z.string().nullable().openapi({ description: 'YYYY-MM-DD: the review opinion is due by this working day (acceptance + 15 working days)' }),
    provisional: z.boolean().openapi({ description: 'the running date (acceptBy before acceptance, deadline after) may still move: its span touches a year whose official calendar is not loaded' }),
    workdaysLeft: z.number().int().nullable().openapi({ description: 'working days from today to the running date; negative when overdue; null once decided or withdrawn' }),
    overdue: z.boolean(),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
    opinion: z.string().nullable(),
    agreementId: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'what an approval allocated: {prefix} or {domain}' }),
    confirmations: z.array(z.object({ unit: z.string(), unitName: z.string(), confirmedAt: z.string().nullable(), confirmedBy: z.string().nullable() })),
    filedWith: z.string().nullable(),
    filedAt: z.string().nullable(),
    withdrawnAt: z.string().nullable(),
    expansionRequestId: z.string().nullable(),
    zones: z.array(z.string()).nullable(),
    bandwidthMbps: z.number().nullable(),
    compute: z.object({ vcpu: z.number(), memoryGiB: z.number() }).nullable(),
    storageGiB: z.number().nullable(),
    securityLevel: z.number().nullable(),
    secrecyCheck: z.object({ done: z.boolean(), classified: z.boolean() }).nullable(),
    systems: z.array(z.object({ name: z.string() })),
    contact: personView.nullable(),
    boundaryResponsible: personView.nullable(),
    ip: z.object({ vrf: z.string(), prefixLength: z.number(), family: z.number().optional() }).nullable(),
    domain: z.object({ parentId: z.string(), label: z.string(), nameservers: z.array(z.object({ name: z.string(), addresses: z.array(z.string()).optional() })) }).nullable(),
    plan: z.object({ title: z.string(), scope: z.string(), document: z.string(), expansionRequestId: z.string().optional(), evidence: z.unknown().optional() }).nullable(),
  })
  .openapi('Application');
export type ApplicationView = z.infer<typeof applicationSchema>;

// ---- agreements ----------------------------------------------------------------------------

export const signAgreementInput = z
  .object({
    party: z.enum(agreementParties).openapi({ description: 'applicant: a user of the applying unit; operator: an operator of the reviewing O&M unit' }),
    signerName: personName.openapi({ example: '李明' }),
  })
  .strict()
  .openapi('SignAgreement');
export type SignAgreementInput = z.infer<typeof signAgreementInput>;

export const listAgreementsQuery = z
  .object({
    status: z.enum(['pending', 'effective']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: idCursor.optional(),
  })
  .strict();
export type ListAgreementsQuery = z.infer<typeof listAgreementsQuery>;

export const agreementSchema = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    applicant: z.string(),
    applicantName: z.string(),
    operator: z.string(),
    operatorName: z.string(),
    text: z.string().openapi({ description: 'the agreement in Chinese, generated from the application' }),
    signatures: z.array(z.object({ party: z.enum(agreementParties), signerName: z.string(), username: z.string(), signedAt: z.string() })),
    status: z.enum(['pending', 'effective']),
    createdAt: z.string(),
    effectiveAt: z.string().nullable(),
  })
  .openapi('Agreement');
export type AgreementView = z.infer<typeof agreementSchema>;
