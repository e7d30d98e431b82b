/**
 * Reads are least-privilege too (article 31: each level sees its own space, article 21). The
 * role half of a read is authorize()'s (a role that may never read a kind hears 403); the
 * object half is here, as SQL conditions that every list and get verb adds to its one query,
 * so a list filters silently and a get of something outside the scope finds nothing (404:
 * ids reveal nothing). Per-module extensions (a prefix's ancestors, a link's ends) are built
 * from these in the module, next to its list verb.
 *
 * Who reads what:
 *   admin, auditor → everything (no condition, so their queries stay as they were);
 *   operator       → objects whose unit lies in its unit's subtree;
 *   applicant      → its own department's objects;
 *   agent          → nothing through these verbs (its targets have their own endpoint).
 */
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Ctx } from '../../context.js';

export type ReadScope = { kind: 'all' } | { kind: 'subtree'; path: string } | { kind: 'unit'; code: string } | { kind: 'none' };

export function readScope(ctx: Ctx): ReadScope {
  switch (ctx.actor.role) {
    case 'admin':
    case 'auditor':
      return { kind: 'all' };
    case 'operator':
      return { kind: 'subtree', path: ctx.actor.unitPath };
    case 'applicant':
      return { kind: 'unit', code: ctx.actor.unitCode };
    default:
      return { kind: 'none' };
  }
}

/** LIKE treats `%`, `_` and `\` specially; a path is matched as the literal prefix it is. */
const likePrefix = (path: string) => `${path.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * `column` (a unit code) lies in the scope. For a subtree: the codes under the path, one range
 * scan of units_path_idx. Not for `all`: callers ask {@link unitInScope}, which adds nothing.
 */
export function unitCodeIn(scope: Exclude<ReadScope, { kind: 'all' }>, column: SQLWrapper): SQL {
  switch (scope.kind) {
    case 'subtree':
      return sql`${column} IN (SELECT units.code FROM units WHERE units.path LIKE ${likePrefix(scope.path)})`;
    case 'unit':
      return sql`${column} = ${scope.code}`;
    case 'none':
      return sql`FALSE`;
  }
}

/** The condition for a unit-code column, or undefined when the caller reads everything (no extra work for the admin). */
export function unitInScope(ctx: Ctx, column: SQLWrapper): SQL | undefined {
  const scope = readScope(ctx);
  return scope.kind === 'all' ? undefined : unitCodeIn(scope, column);
}

/** For a unit already loaded (its path known): whether the caller reads objects of it. */
export function unitReadable(ctx: Ctx, unit: { code: string; path: string }): boolean {
  const scope = readScope(ctx);
  switch (scope.kind) {
    case 'all':
      return true;
    case 'subtree':
      return unit.path.startsWith(scope.path);
    case 'unit':
      return unit.code === scope.code;
    case 'none':
      return false;
  }
}
