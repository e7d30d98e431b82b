import type { RuleTable } from '../access/rule.js';

const readers = ['admin', 'operator', 'applicant', 'auditor'] as const;

/** Divisions change with the official codes (the admin's job); operators keep their departments and service channels (article 20). */
export const rules = {
  'unit.read': { roles: readers, scoped: false },
  'department.create': { roles: ['admin', 'operator'], scoped: true },
  'department.update': { roles: ['admin', 'operator'], scoped: true },
  'division.create': { roles: ['admin'], scoped: false },
  'division.update': { roles: ['admin'], scoped: false },
  'division.channels': { roles: ['admin', 'operator'], scoped: true },
} as const satisfies RuleTable;
