import { z } from '@hono/zod-openapi';
import { idCursor } from '../../http/paging.js';
import { objectId } from '../../http/params.js';
import { unitCode } from '../divisions/inputs.js';
import { vrfName } from '../ipam/inputs.js';
import { incidentSchema } from '../telemetry/inputs.js';

const page = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: idCursor.optional(),
};

/** A calendar date in Asia/Shanghai, as the applications and the calendar write it. */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a calendar date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'a calendar date that exists')
  .openapi({ example: '2027-06-30' });

export const levels = ['region', 'city', 'county', 'township'] as const;

// ---- dedicated-network migrations (专网迁移, articles 15(一), 18) ----------------------

export const migrationDisplayStatuses = ['planned', 'migrating', 'migrated', 'overdue'] as const;

export const createMigrationInput = z
  .object({
    network: z.string().trim().min(1).max(200).openapi({ description: 'the non-classified dedicated business network (业务专网)', example: '教育业务专网' }),
    owner: unitCode.openapi({ description: 'the department that owns the network', example: 'NN-EDU' }),
    vrf: vrfName.openapi({ description: 'the VRF of the dedicated zone it moves into (POST /vrfs)', example: 'edu-vpn' }),
    plannedOn: calendarDate.openapi({ description: 'the planned migration date; after it the network is overdue (article 18)' }),
    note: z.string().trim().max(2000).default(''),
  })
  .strict()
  .openapi('CreateMigration', { example: { network: '教育业务专网', owner: 'NN-EDU', vrf: 'edu-vpn', plannedOn: '2027-06-30', note: '' } });
export type CreateMigrationInput = z.infer<typeof createMigrationInput>;

export const updateMigrationInput = z
  .object({
    network: z.string().trim().min(1).max(200).optional(),
    vrf: vrfName.optional(),
    plannedOn: calendarDate.optional(),
    status: z.enum(['planned', 'migrating', 'migrated']).optional().openapi({ description: 'migrating records the start date; migrated needs migratedOn (default: today)' }),
    migratedOn: calendarDate.optional().openapi({ description: 'the actual migration date, not in the future' }),
    note: z.string().trim().max(2000).optional(),
  })
  .strict()
  .openapi('UpdateMigration', { example: { status: 'migrated', migratedOn: '2026-11-30' } });
export type UpdateMigrationInput = z.infer<typeof updateMigrationInput>;

export const listMigrationsQuery = z
  .object({
    owner: unitCode.optional(),
    within: unitCode.optional().openapi({ description: 'networks of departments in this unit’s subtree' }),
    level: z.enum(levels).optional().openapi({ description: 'networks of departments of this level (article 18 is applied per level)' }),
    status: z.enum(migrationDisplayStatuses).optional().openapi({ description: 'overdue: not migrated and its planned date has passed' }),
    ...page,
  })
  .strict();
export type ListMigrationsQuery = z.infer<typeof listMigrationsQuery>;

export const migrationSchema = z
  .object({
    id: z.string(),
    network: z.string(),
    owner: z.string(),
    ownerName: z.string(),
    level: z.enum(levels),
    vrf: z.string(),
    plannedOn: z.string(),
    startedOn: z.string().nullable(),
    migratedOn: z.string().nullable(),
    status: z.enum(migrationDisplayStatuses).openapi({ description: 'the stored state, or overdue once the planned date has passed unmigrated' }),
    overdue: z.boolean(),
    daysOverdue: z.number().int(),
    note: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Migration');
export type MigrationView = z.infer<typeof migrationSchema>;

export const migrationSummaryQuery = z.object({ within: unitCode.optional() }).strict();
export type MigrationSummaryQuery = z.infer<typeof migrationSummaryQuery>;

export const migrationSummarySchema = z
  .object({
    asOf: z.string().openapi({ description: 'the date (Asia/Shanghai) the overdue flags are computed for' }),
    levels: z.array(
      z.object({ level: z.enum(levels), total: z.number().int(), planned: z.number().int(), migrating: z.number().int(), migrated: z.number().int(), overdue: z.number().int() }),
    ),
  })
  .openapi('MigrationSummary');
export type MigrationSummaryView = z.infer<typeof migrationSummarySchema>;

// ---- website filings (网站备案, article 19) ---------------------------------------------

const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{2,30}$/, 'a telephone number: digits, optionally with +, spaces, hyphens and parentheses');
const filingFields = {
  siteName: z.string().trim().min(1).max(200).openapi({ example: '南宁市教育局门户' }),
  domain: z.string().trim().min(1).max(253).openapi({ description: 'the site’s host name (IDN allowed)', example: 'www.edu.nanning.gx.example' }),
  addresses: z.array(z.string().max(64).openapi({ example: '10.45.1.80' })).min(1).max(32).openapi({ description: 'the addresses the site is served from' }),
  responsible: unitCode.openapi({ description: 'the department responsible for the site', example: 'NN-EDU' }),
  responsibleName: z.string().trim().max(100).optional(),
  responsiblePhone: phone.optional(),
  filingNumber: z.string().trim().max(100).optional().openapi({ description: 'the filing number (备案号); empty while not filed', example: '桂政网备 2026-0001' }),
  filedOn: calendarDate.optional(),
  assistingUnit: unitCode.optional().openapi({ description: 'the O&M unit (a division) that assisted the filing (article 19)', example: '450100' }),
  assistance: z.string().trim().max(2000).optional().openapi({ description: 'what the O&M unit did to assist' }),
};
const filingExample = {
  siteName: '南宁市教育局门户',
  domain: 'www.edu.nanning.gx.example',
  addresses: ['10.45.1.80'],
  responsible: 'NN-EDU',
  responsibleName: '李明',
  responsiblePhone: '0771-5551234',
  filingNumber: '桂政网备 2026-0001',
  filedOn: '2026-11-20',
  assistingUnit: '450100',
  assistance: '协助核对域名和地址',
};

export const createFilingInput = z.object(filingFields).strict().openapi('CreateWebsiteFiling', { example: filingExample });
export type CreateFilingInput = z.infer<typeof createFilingInput>;

export const updateFilingInput = z
  .object({ ...filingFields, siteName: filingFields.siteName.optional(), domain: filingFields.domain.optional(), addresses: filingFields.addresses.optional(), responsible: unitCode.optional() })
  .strict()
  .openapi('UpdateWebsiteFiling', { example: filingExample });
export type UpdateFilingInput = z.infer<typeof updateFilingInput>;

export const listFilingsQuery = z
  .object({
    responsible: unitCode.optional(),
    within: unitCode.optional().openapi({ description: 'sites of departments in this unit’s subtree' }),
    flagged: z.enum(['true', 'false']).optional().openapi({ description: 'true: only sites not filed or whose domain or addresses the registry does not hold' }),
    ...page,
  })
  .strict();
export type ListFilingsQuery = z.infer<typeof listFilingsQuery>;

export const filingFlagCodes = ['not_filed', 'domain_not_registered', 'domain_not_in_dns', 'address_not_registered', 'address_not_in_dns'] as const;
export const flagSchema = z.object({ code: z.enum(filingFlagCodes), field: z.string(), message: z.string() }).openapi('RegisterFlag');
export type FilingFlag = z.infer<typeof flagSchema>;

export const filingSchema = z
  .object({
    id: z.string(),
    siteName: z.string(),
    domain: z.string(),
    domainUnicode: z.string(),
    zone: z.string().nullable().openapi({ description: 'the registered zone the domain lies in' }),
    addresses: z.array(z.string()),
    responsible: z.string(),
    responsibleUnitName: z.string(),
    responsibleName: z.string(),
    responsiblePhone: z.string(),
    filingNumber: z.string(),
    filedOn: z.string().nullable(),
    assistingUnit: z.string().nullable(),
    assistance: z.string(),
    flags: z.array(flagSchema),
    flagged: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('WebsiteFiling');
export type FilingView = z.infer<typeof filingSchema>;

// ---- emergency plans and drills (应急预案, 演练, articles 20, 33) -----------------------

export const planUnitParam = z.object({ code: unitCode.openapi({ param: { name: 'code', in: 'path' }, example: '450100' }) });

export const putPlanInput = z
  .object({
    title: z.string().trim().min(1).max(200).openapi({ example: '南宁市电子政务外网突发事件应急预案' }),
    revisedOn: calendarDate.openapi({ description: 'the date of the plan’s current revision' }),
  })
  .strict()
  .openapi('PutEmergencyPlan', { example: { title: '南宁市电子政务外网突发事件应急预案', revisedOn: '2026-06-30' } });
export type PutPlanInput = z.infer<typeof putPlanInput>;

export const planSchema = z
  .object({
    id: z.string(),
    unit: z.string(),
    unitName: z.string(),
    title: z.string(),
    revisedOn: z.string(),
    document: z.object({ contentType: z.string(), name: z.string(), size: z.number().int(), sha256: z.string(), href: z.string() }).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('EmergencyPlan');
export type PlanView = z.infer<typeof planSchema>;

export const planDocumentQuery = z.object({ name: z.string().trim().max(200).optional().openapi({ description: 'the file name to serve it back under' }) }).strict();

export const createDrillInput = z
  .object({
    unit: unitCode.openapi({ description: 'the O&M unit (a region, city or county division) that held the drill', example: '450100' }),
    heldOn: calendarDate.openapi({ example: '2026-11-20' }),
    scenario: z.string().trim().min(1).max(500).openapi({ example: '城域网核心链路中断' }),
    findings: z.string().trim().max(5000).default('').openapi({ description: 'what the drill found', example: '备用链路切换耗时 8 分钟' }),
  })
  .strict()
  .openapi('CreateDrill', { example: { unit: '450100', heldOn: '2026-11-20', scenario: '城域网核心链路中断', findings: '备用链路切换耗时 8 分钟' } });
export type CreateDrillInput = z.infer<typeof createDrillInput>;

export const listDrillsQuery = z
  .object({ unit: unitCode.optional(), within: unitCode.optional(), year: z.string().regex(/^\d{4}$/, 'a year such as 2026').optional(), ...page })
  .strict();
export type ListDrillsQuery = z.infer<typeof listDrillsQuery>;

export const drillSchema = z
  .object({ id: z.string(), unit: z.string(), unitName: z.string(), heldOn: z.string(), scenario: z.string(), findings: z.string(), createdAt: z.string() })
  .openapi('Drill');
export type DrillView = z.infer<typeof drillSchema>;

export const readinessQuery = z
  .object({
    within: unitCode.optional(),
    level: z.enum(['region', 'city', 'county']).optional(),
    flagged: z.enum(['true', 'false']).optional().openapi({ description: 'true: only units without a plan, its document, or a drill in the configured months' }),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    cursor: unitCode.optional().openapi({ description: 'nextCursor of the previous page' }),
  })
  .strict();
export type ReadinessQuery = z.infer<typeof readinessQuery>;

export const readinessSchema = z
  .object({
    unit: z.string(),
    unitName: z.string(),
    level: z.enum(levels),
    planRevisedOn: z.string().nullable(),
    hasDocument: z.boolean(),
    lastDrillOn: z.string().nullable(),
    drillsInWindow: z.number().int(),
    flags: z.array(z.object({ code: z.enum(['no_plan', 'no_plan_document', 'no_recent_drill']), message: z.string() })),
    flagged: z.boolean(),
  })
  .openapi('EmergencyReadiness');
export type ReadinessView = z.infer<typeof readinessSchema>;
export const readinessListSchema = z.object({ since: z.string().openapi({ description: 'drills on or after this date count as recent' }), items: z.array(readinessSchema), nextCursor: z.string().nullable() });

// ---- major faults (重大故障, articles 20, 37) ---------------------------------------------

export const classifyIncidentInput = z
  .object({
    severity: z.enum(['minor', 'major']),
    comment: z.string().trim().min(1).max(2000).openapi({ description: 'why: kept in the timeline', example: '市级核心节点中断，影响全市接入' }),
  })
  .strict()
  .openapi('ClassifyIncident', { example: { severity: 'major', comment: '市级核心节点中断，影响全市接入' } });
export type ClassifyIncidentInput = z.infer<typeof classifyIncidentInput>;

export const incidentCommentInput = z
  .object({ comment: z.string().trim().min(1).max(2000).openapi({ example: '已安排运营商抢修' }) })
  .strict()
  .openapi('IncidentComment', { example: { comment: '已安排运营商抢修' } });
export type IncidentCommentInput = z.infer<typeof incidentCommentInput>;

export const acknowledgeIncidentInput = z
  .object({ comment: z.string().trim().max(2000).default('').openapi({ example: '已收到，正在处置' }) })
  .strict()
  .openapi('AcknowledgeIncident', { example: { comment: '已收到，正在处置' } });
export type AcknowledgeIncidentInput = z.infer<typeof acknowledgeIncidentInput>;

export const reportIncidentInput = z
  .object({
    kind: z.literal('operator_reported'),
    unit: unitCode.openapi({ description: 'the unit affected (a division or department of the reporter’s subtree); reported to its upper-level O&M unit', example: '450102' }),
    device: objectId.optional().openapi({ description: 'the device concerned, in the reporter’s subtree' }),
    link: objectId.optional().openapi({ description: 'the link concerned, in the reporter’s subtree' }),
    title: z.string().trim().min(1).max(200).openapi({ example: '兴宁区汇聚机房市电中断' }),
    description: z.string().trim().max(4000).default('').openapi({ description: 'prose: line breaks allowed', example: '市电中断，UPS 供电约 2 小时' }),
    severity: z.enum(['minor', 'major']).default('minor').openapi({ description: 'major: reported at once as incident.major and escalated if not acknowledged (the registers’ path)' }),
    occurredAt: z.iso.datetime({ offset: true, message: 'an RFC 3339 time with offset, e.g. 2025-01-06T08:00:00+08:00' }).optional().openapi({ description: 'when the fault began; default now; never in the future' }),
  })
  .strict()
  .openapi('ReportIncident', { example: { kind: 'operator_reported', unit: '450102', title: '兴宁区汇聚机房市电中断', description: '市电中断，UPS 供电约 2 小时', severity: 'major' } });
export type ReportIncidentInput = z.infer<typeof reportIncidentInput>;

export const resolveIncidentInput = z
  .object({ comment: z.string().trim().min(1).max(2000).openapi({ example: '市电已恢复，设备运行正常' }) })
  .strict()
  .openapi('ResolveIncident', { example: { comment: '市电已恢复，设备运行正常' } });
export type ResolveIncidentInput = z.infer<typeof resolveIncidentInput>;

export const listMajorFaultsQuery = z
  .object({
    status: z.enum(['open', 'resolved']).optional(),
    acknowledged: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: idCursor.optional(),
  })
  .strict();
export type ListMajorFaultsQuery = z.infer<typeof listMajorFaultsQuery>;

export const timelineEntrySchema = z.object({ at: z.string(), entry: z.enum(['reported', 'classified', 'acknowledged', 'escalated', 'note', 'resolved']), actor: z.string(), comment: z.string() });
export const incidentHandlingSchema = z
  .object({
    incident: incidentSchema,
    severity: z.enum(['minor', 'major']),
    severitySource: z.enum(['rule', 'operator']).nullable().openapi({ description: 'null: never classified (minor)' }),
    severityReason: z.string(),
    majorSince: z.string().nullable(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.string().nullable(),
    escalations: z.number().int(),
    lastEscalatedAt: z.string().nullable(),
    timeline: z.array(timelineEntrySchema),
  })
  .openapi('IncidentHandling');
export type IncidentHandlingView = z.infer<typeof incidentHandlingSchema>;

// ---- assessment report (绩效考核, article 22) -------------------------------------------

export const assessmentQuery = z
  .object({
    year: z.string().regex(/^20\d\d$/, 'a year such as 2026').openapi({ example: '2026' }),
    level: z.enum(['region', 'city', 'county']).openapi({ description: 'the level whose O&M units are assessed' }),
    within: unitCode.optional().openapi({ description: 'only units in this unit’s subtree' }),
    format: z.enum(['json', 'csv', 'xlsx']).default('json'),
  })
  .strict();
export type AssessmentQuery = z.infer<typeof assessmentQuery>;

export const assessmentRowSchema = z
  .object({
    unit: z.string(),
    unitName: z.string(),
    applications: z.object({
      received: z.number().int(),
      accepted: z.number().int(),
      decided: z.number().int(),
      decidedWithinDeadline: z.number().int(),
      withinDeadlinePercent: z.number().nullable(),
      medianWorkdaysToDecide: z.number().nullable().openapi({ description: 'working days from acceptance to decision on the official calendar' }),
    }),
    incidents: z.object({ reported: z.number().int(), major: z.number().int(), resolved: z.number().int(), medianMinutesToResolve: z.number().nullable() }),
    expansion: z.object({ raised: z.number().int(), handled: z.number().int(), fulfilled: z.number().int() }),
    linkUtilization: z.object({
      links: z.number().int(),
      withData: z.number().int(),
      under50: z.number().int(),
      from50to70: z.number().int(),
      from70to90: z.number().int(),
      atLeast90: z.number().int(),
    }).openapi({ description: 'links paid by the unit, by the p95 of their 5-minute utilization over the year (the busier direction)' }),
    migration: z.object({ planned: z.number().int(), migrated: z.number().int(), overdue: z.number().int(), migratedPercent: z.number().nullable() }),
    drills: z.number().int(),
    findingsOpen: z.number().int().openapi({ description: 'findings on devices of the unit’s subtree open at the end of the period' }),
  })
  .openapi('AssessmentRow');
export type AssessmentRow = z.infer<typeof assessmentRowSchema>;

export const assessmentSchema = z
  .object({ year: z.number().int(), level: z.string(), from: z.string(), to: z.string().openapi({ description: 'the last day counted: the year’s end, or today for the current year' }), units: z.array(assessmentRowSchema) })
  .openapi('AssessmentReport');
export type AssessmentView = z.infer<typeof assessmentSchema>;
