import type { RuleTable } from '../access/rule.js';

const readers = ['admin', 'operator', 'applicant', 'auditor'] as const;

export const rules = {
  'vrf.read': { roles: readers, scoped: false },
  'vrf.create': { roles: ['admin'], scoped: false },
  'prefix.read': { roles: readers, scoped: false },
  'prefix.create-pool': { roles: ['admin'], scoped: false },
  // Delegating, updating and reclaiming act for the holder of the space: the parent's holder.
  'prefix.delegate': { roles: ['admin', 'operator'], scoped: true },
  'prefix.update': { roles: ['admin', 'operator'], scoped: true },
  'prefix.reclaim': { roles: ['admin', 'operator'], scoped: true },
  'prefix.import': { roles: ['admin', 'operator'], scoped: false },
  'address.read': { roles: readers, scoped: false },
  // Registering addresses acts for the holder of the assigned prefix: its department's
  // applicant, or an operator with that department in its subtree.
  'address.assign': { roles: ['admin', 'operator', 'applicant'], scoped: true },
  'address.release': { roles: ['admin', 'operator', 'applicant'], scoped: true },
} as const satisfies RuleTable;
