import type { Role } from './schema.js';

/**
 * One row of the authorization table: the roles that may take an action, and whether the
 * action acts for a unit that must lie in the actor's subtree. Every module declares its rows
 * as `export const rules = {...} as const satisfies RuleTable` in its `rules.ts`; server/rules.ts
 * merges them, so an action name is a type and a typo is a compile error.
 */
export interface Rule {
  roles: readonly Role[];
  scoped: boolean;
}

export type RuleTable = Record<string, Rule>;
