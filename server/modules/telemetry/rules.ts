import type { RuleTable } from '../access/rule.js';

const readers = ['admin', 'operator', 'auditor'] as const;
/** An applicant reads what is measured on its own department's devices and their links (access/scope.ts narrows every read). */
const deviceReaders = [...readers, 'applicant'] as const;

/**
 * Agents post readings (only for the devices assigned to them: the verb checks the device);
 * the admin may too, for imports and tests. Decisions on expansion requests belong to the
 * paying unit's subtree; the policy is the admin's.
 */
export const rules = {
  'reading.create': { roles: ['admin', 'agent'], scoped: false },
  'reading.read': { roles: deviceReaders, scoped: false },
  'utilization.read': { roles: deviceReaders, scoped: false },
  'policy.read': { roles: readers, scoped: false },
  'policy.update': { roles: ['admin'], scoped: false },
  'policy.evaluate': { roles: ['admin', 'operator'], scoped: false },
  'expansion.read': { roles: deviceReaders, scoped: false },
  'expansion.decide': { roles: ['admin', 'operator'], scoped: true },
  'incident.read': { roles: deviceReaders, scoped: false },
  // The server's own job (the system actor) prunes past retention; no endpoint.
  'telemetry.prune': { roles: ['admin'], scoped: false },
} as const satisfies RuleTable;
