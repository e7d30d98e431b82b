import type { RuleTable } from '../access/rule.js';

/** Everyone who works with deadlines reads the calendar; only the admin loads a year. */
export const rules = {
  'calendar.read': { roles: ['admin', 'operator', 'applicant', 'auditor'], scoped: false },
  'calendar.load': { roles: ['admin'], scoped: false },
} as const satisfies RuleTable;
