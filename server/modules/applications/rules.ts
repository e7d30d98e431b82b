import type { RuleTable } from '../access/rule.js';

const readers = ['admin', 'operator', 'applicant', 'auditor'] as const;
const parties = ['admin', 'operator', 'applicant'] as const;

/**
 * Applying, confirming and withdrawing act for the applying (or co-applying) unit; accepting
 * and deciding act for the reviewer the rules derived (review.ts), never one chosen by the
 * applicant; signing acts for the signing party's unit. Reads are narrowed by their queries:
 * an applicant reads its own department's applications (and those it co-applies to), an
 * operator those of its subtree (applicant or reviewer), auditors everything.
 */
export const rules = {
  'application.read': { roles: readers, scoped: false },
  'application.submit': { roles: parties, scoped: true },
  'application.confirm': { roles: parties, scoped: true },
  'application.withdraw': { roles: parties, scoped: true },
  'application.accept': { roles: ['admin', 'operator'], scoped: true },
  'application.decide': { roles: ['admin', 'operator'], scoped: true },
  // The server's own jobs: deadline reminders, deadlines moved by a loaded calendar year.
  'application.remind': { roles: ['admin'], scoped: false },
  'agreement.read': { roles: readers, scoped: false },
  'agreement.sign': { roles: parties, scoped: true },
} as const satisfies RuleTable;
