import type { RuleTable } from '../access/rule.js';

/**
 * A unit's operators manage its webhooks; auditors see them and their delivery logs. Reads are
 * scoped by their queries (access/scope.ts): outside one's subtree a webhook is not found.
 */
export const rules = {
  'webhook.read': { roles: ['admin', 'operator', 'auditor'], scoped: false },
  'webhook.create': { roles: ['admin', 'operator'], scoped: true },
  'webhook.update': { roles: ['admin', 'operator'], scoped: true },
  'webhook.delete': { roles: ['admin', 'operator'], scoped: true },
} as const satisfies RuleTable;
