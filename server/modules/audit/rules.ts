import type { RuleTable } from '../access/rule.js';

/** The audit trail is read and verified by the admin and the auditors (article 37). */
export const rules = {
  'audit.read': { roles: ['admin', 'auditor'], scoped: false },
  'audit.verify': { roles: ['admin', 'auditor'], scoped: false },
} as const satisfies RuleTable;
