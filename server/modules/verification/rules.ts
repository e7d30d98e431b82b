import type { RuleTable } from '../access/rule.js';

/**
 * Agents post device checks (only for the devices assigned to them for that method: the verb
 * checks the device); the admin may too, for imports and tests.
 */
export const rules = {
  'device-check.create': { roles: ['admin', 'agent'], scoped: false },
  // An operator of the device owner's subtree approves its configuration as read by the last SSH check.
  'device.baseline.approve': { roles: ['admin', 'operator'], scoped: true },
} as const satisfies RuleTable;
