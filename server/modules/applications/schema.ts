import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from '../access/schema.js';
import { units } from '../divisions/schema.js';
import { domains } from '../dns/schema.js';
import { prefixes } from '../ipam/schema.js';
import { expansionRequests } from '../telemetry/schema.js';

export const applicationTypes = ['access', 'deployment', 'ip', 'domain', 'plan'] as const;
export type ApplicationType = (typeof applicationTypes)[number];
export const applicationStatuses = ['submitted', 'accepted', 'approved', 'rejected', 'withdrawn'] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

/** What an application asks for beyond its columns: kept as submitted (inputs.ts describes it). */
export interface ApplicationDetails {
  zones?: string[];
  compute?: { vcpu: number; memoryGiB: number };
  storageGiB?: number;
  secrecyCheck?: { done: boolean; classified: boolean };
  systems?: { name: string }[];
  contact?: { name: string; phone: string };
  boundaryResponsible?: { name: string; phone: string };
  ip?: { vrf: string; prefixLength: number; family?: 4 | 6 };
  domain?: { parentId: string; label: string; nameservers: { name: string; addresses?: string[] }[] };
  plan?: { title: string; scope: string; document: string; expansionRequestId?: string; evidence?: unknown };
}

/**
 * 申请 (articles 15, 19, 21): a unit asks the reviewer the rules derive (rules of review.ts) for
 * access, deployment, address space, a domain or a plan. Dates are calendar dates in
 * Asia/Shanghai; `accept_by` and `deadline` are recomputed whenever a calendar year is loaded.
 */
export const applications = pgTable(
  'applications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type', { enum: applicationTypes }).notNull(),
    status: text('status', { enum: applicationStatuses }).notNull().default('submitted'),
    applicantCode: text('applicant_code')
      .notNull()
      .references(() => units.code),
    reviewerCode: text('reviewer_code')
      .notNull()
      .references(() => units.code),
    /** A region plan goes to the admin (nobody stands above the region information center). */
    adminReview: boolean('admin_review').notNull().default(false),
    submittedBy: bigint('submitted_by', { mode: 'number' }).references(() => users.id),
    bandwidthMbps: integer('bandwidth_mbps'),
    securityLevel: integer('security_level'),
    details: jsonb('details').$type<ApplicationDetails>().notNull(),
    expansionRequestId: bigint('expansion_request_id', { mode: 'number' }).references(() => expansionRequests.id),
    submittedAt: timestamp('submitted_at', { withTimezone: true, mode: 'date' }).notNull(),
    submittedOn: date('submitted_on', { mode: 'string' }).notNull(),
    acceptBy: date('accept_by', { mode: 'string' }).notNull(),
    acceptByProvisional: boolean('accept_by_provisional').notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true, mode: 'date' }),
    acceptedOn: date('accepted_on', { mode: 'string' }),
    acceptedBy: text('accepted_by'),
    deadline: date('deadline', { mode: 'string' }),
    deadlineProvisional: boolean('deadline_provisional'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    decidedBy: text('decided_by'),
    opinion: text('opinion'),
    result: jsonb('result'),
    resultPrefixId: bigint('result_prefix_id', { mode: 'number' }).references(() => prefixes.id, { onDelete: 'set null' }),
    resultDomainId: bigint('result_domain_id', { mode: 'number' }).references(() => domains.id, { onDelete: 'set null' }),
    /** 备案: an approved county plan is filed with the region information center. */
    filedWithCode: text('filed_with_code').references(() => units.code),
    filedAt: timestamp('filed_at', { withTimezone: true, mode: 'date' }),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true, mode: 'date' }),
    /** The deadline the last application.deadline_near went out for ('accept:2026-12-08', 'review:2026-12-22'). */
    remindedFor: text('reminded_for'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('applications_applicant_idx').on(t.applicantCode, t.id),
    index('applications_reviewer_idx').on(t.reviewerCode, t.id),
    index('applications_open_idx').on(t.status).where(sql`${t.status} IN ('submitted', 'accepted')`),
    check('applications_type_check', sql`${t.type} IN ('access', 'deployment', 'ip', 'domain', 'plan')`),
    check('applications_status_check', sql`${t.status} IN ('submitted', 'accepted', 'approved', 'rejected', 'withdrawn')`),
    // 等级保护 levels 1–5 (GB/T 22239); bandwidth is a capacity, never negative.
    check('applications_security_level_check', sql`${t.securityLevel} IS NULL OR ${t.securityLevel} BETWEEN 1 AND 5`),
    check('applications_bandwidth_check', sql`${t.bandwidthMbps} IS NULL OR ${t.bandwidthMbps} >= 0`),
    // Article 19 counts from acceptance: no decision without it, and a deadline exactly when accepted.
    check('applications_accepted_has_deadline', sql`(${t.acceptedAt} IS NULL) = (${t.deadline} IS NULL) AND (${t.acceptedAt} IS NULL) = (${t.acceptedOn} IS NULL)`),
    check('applications_decided_after_acceptance', sql`${t.status} NOT IN ('approved', 'rejected') OR (${t.acceptedAt} IS NOT NULL AND ${t.decidedAt} IS NOT NULL)`),
    check('applications_reject_has_opinion', sql`${t.status} <> 'rejected' OR length(btrim(coalesce(${t.opinion}, ''))) > 0`),
    check('applications_not_self_reviewed', sql`${t.applicantCode} <> ${t.reviewerCode} OR ${t.adminReview}`),
  ],
);

/** Co-applicants of cross-region or cross-department business: each confirms before approval. */
export const applicationCoApplicants = pgTable(
  'application_co_applicants',
  {
    applicationId: bigint('application_id', { mode: 'number' })
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true, mode: 'date' }),
    confirmedBy: text('confirmed_by'),
  },
  (t) => [primaryKey({ name: 'application_co_applicants_pkey', columns: [t.applicationId, t.unitCode] }), index('application_co_applicants_unit_idx').on(t.unitCode)],
);

export const agreementParties = ['applicant', 'operator'] as const;
export type AgreementParty = (typeof agreementParties)[number];

/** 接入协议, created when an access application is approved; effective once both parties signed. */
export const agreements = pgTable(
  'agreements',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    applicationId: bigint('application_id', { mode: 'number' })
      .notNull()
      .references(() => applications.id),
    applicantCode: text('applicant_code')
      .notNull()
      .references(() => units.code),
    operatorCode: text('operator_code')
      .notNull()
      .references(() => units.code),
    text: text('text').notNull(),
    status: text('status', { enum: ['pending', 'effective'] }).notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    effectiveAt: timestamp('effective_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('agreements_application_key').on(t.applicationId),
    index('agreements_applicant_idx').on(t.applicantCode, t.id),
    index('agreements_operator_idx').on(t.operatorCode, t.id),
    check('agreements_status_check', sql`${t.status} IN ('pending', 'effective') AND (${t.status} = 'effective') = (${t.effectiveAt} IS NOT NULL)`),
  ],
);

/** One signature per party: the primary key refuses a second (409). */
export const agreementSignatures = pgTable(
  'agreement_signatures',
  {
    agreementId: bigint('agreement_id', { mode: 'number' })
      .notNull()
      .references(() => agreements.id, { onDelete: 'cascade' }),
    party: text('party', { enum: agreementParties }).notNull(),
    signerName: text('signer_name').notNull(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id),
    username: text('username').notNull(),
    signedAt: timestamp('signed_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ name: 'agreement_signatures_pkey', columns: [t.agreementId, t.party] }), check('agreement_signatures_party_check', sql`${t.party} IN ('applicant', 'operator')`)],
);

export type ApplicationRow = typeof applications.$inferSelect;
export type CoApplicantRow = typeof applicationCoApplicants.$inferSelect;
export type AgreementRow = typeof agreements.$inferSelect;
export type SignatureRow = typeof agreementSignatures.$inferSelect;
