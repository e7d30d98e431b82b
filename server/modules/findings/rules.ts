import { addRules } from '../access/authorize.js';

/** Findings are read like devices; resolving one acts for the device's owner unit. */
addRules({
  'finding.read': { roles: ['admin', 'operator', 'auditor'], scoped: false },
  'finding.resolve': { roles: ['admin', 'operator'], scoped: true },
});
