import type { RuleTable } from '../access/rule.js';

/** Findings are read like devices; resolving one acts for the device's owner unit. */
export const rules = {
  'finding.read': { roles: ['admin', 'operator', 'applicant', 'auditor'], scoped: false },
  'finding.resolve': { roles: ['admin', 'operator'], scoped: true },
} as const satisfies RuleTable;
