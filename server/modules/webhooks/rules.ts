import { addRules } from '../access/authorize.js';

/** A unit's operators manage its webhooks; auditors see them and their delivery logs. */
addRules({
  'webhook.read': { roles: ['admin', 'operator', 'auditor'], scoped: true },
  'webhook.create': { roles: ['admin', 'operator'], scoped: true },
  'webhook.update': { roles: ['admin', 'operator'], scoped: true },
  'webhook.delete': { roles: ['admin', 'operator'], scoped: true },
});
