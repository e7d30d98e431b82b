import type { RuleTable } from '../access/rule.js';

const manage = ['admin', 'operator'] as const;
/** Applicants read their own department's entries (access/scope.ts narrows every read). */
const readers = ['admin', 'operator', 'auditor', 'applicant'] as const;

/**
 * The registers of chapter 3: an O&M unit's operators keep the entries of the units in their
 * subtree (a department's migration is kept by its level's O&M unit and those above it);
 * auditors and supervisors read everything.
 */
export const rules = {
  'migration.read': { roles: readers, scoped: false },
  'migration.create': { roles: manage, scoped: true },
  'migration.update': { roles: manage, scoped: true },
  'migration.delete': { roles: manage, scoped: true },
  'filing.read': { roles: readers, scoped: false },
  'filing.create': { roles: manage, scoped: true },
  'filing.update': { roles: manage, scoped: true },
  'filing.delete': { roles: manage, scoped: true },
  'plan.read': { roles: ['admin', 'operator', 'auditor'], scoped: false },
  'plan.update': { roles: manage, scoped: true },
  'drill.read': { roles: ['admin', 'operator', 'auditor'], scoped: false },
  'drill.create': { roles: manage, scoped: true },
  'drill.delete': { roles: manage, scoped: true },
  'incident.classify': { roles: manage, scoped: true },
  'incident.acknowledge': { roles: manage, scoped: true },
  'incident.note': { roles: manage, scoped: true },
  // Operator-reported incidents: reported for a unit of one's subtree, closed by its managers.
  'incident.report': { roles: manage, scoped: true },
  'incident.resolve': { roles: manage, scoped: true },
  'report.read': { roles: ['admin', 'operator', 'auditor'], scoped: false },
  // The server's own job (job.ts): drill reminders, major-fault classification and escalation.
  'register.job': { roles: ['admin'], scoped: false },
} as const satisfies RuleTable;
