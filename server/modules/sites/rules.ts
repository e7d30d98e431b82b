import type { RuleTable } from '../access/rule.js';

const manage = ['admin', 'operator'] as const;
const readers = ['admin', 'operator', 'auditor'] as const;
/** An applicant reads its own department's devices and their links (access/scope.ts narrows every read). */
const deviceReaders = [...readers, 'applicant'] as const;

/**
 * Operators manage the rooms, devices and links of units in their subtree; auditors read;
 * agents read only their own targets, the one place credentials leave the registry.
 */
export const rules = {
  'room.read': { roles: readers, scoped: false },
  'room.create': { roles: manage, scoped: true },
  'room.update': { roles: manage, scoped: true },
  'room.delete': { roles: manage, scoped: true },
  'device.read': { roles: deviceReaders, scoped: false },
  'device.create': { roles: manage, scoped: true },
  'device.update': { roles: manage, scoped: true },
  'device.delete': { roles: manage, scoped: true },
  'link.read': { roles: deviceReaders, scoped: false },
  'link.create': { roles: manage, scoped: true },
  'link.update': { roles: manage, scoped: true },
  'link.delete': { roles: manage, scoped: true },
  'agent.targets.read': { roles: ['agent'], scoped: false },
} as const satisfies RuleTable;
