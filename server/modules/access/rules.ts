import type { RuleTable } from './rule.js';

/**
 * Users and their tokens. Tokens of a human user are the user's own business (or the admin's);
 * the verbs in service.ts narrow who may act for whom (an operator mints only agent tokens).
 */
export const rules = {
  'user.read': { roles: ['admin', 'operator', 'auditor'], scoped: false },
  'user.create': { roles: ['admin', 'operator'], scoped: true },
  'token.read': { roles: ['admin', 'operator', 'applicant', 'auditor', 'agent'], scoped: true },
  'token.create': { roles: ['admin', 'operator', 'applicant', 'auditor', 'agent'], scoped: true },
  'token.revoke': { roles: ['admin', 'operator', 'applicant', 'auditor', 'agent'], scoped: true },
  /** One's own password, with the current one (the verb refuses anybody else's). */
  'user.password': { roles: ['admin', 'operator', 'applicant', 'auditor'], scoped: true },
  /** Disabling and enabling accounts is the admin's: a disabled user's sessions and tokens stop at once. */
  'user.disable': { roles: ['admin'], scoped: false },
  'user.enable': { roles: ['admin'], scoped: false },
} as const satisfies RuleTable;
