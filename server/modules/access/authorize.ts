/**
 * Who may do what: the rows live in each module's rules.ts, merged in server/rules.ts. `scoped`
 * actions act for a unit, and the actor must have that unit in its subtree (an operator of
 * 450100 acts for Nanning and everything below; an applicant's unit is its department, so its
 * subtree is itself). For reads, authorize() is the role half only (their rows are not scoped):
 * which objects of a kind a role reads is a condition of the read's own query (access/scope.ts),
 * so lists filter silently and a get outside the scope answers 404.
 */
import type { Ctx } from '../../context.js';
import { forbidden } from '../../http/problem.js';
import { rules, type Action } from '../../rules.js';

/** The target a scoped action acts for: a unit, identified with its path. */
export interface Target {
  unit?: { code: string; path: string };
}

export function inSubtree(actorPath: string, unitPath: string): boolean {
  return unitPath.startsWith(actorPath);
}

/** The one gate every service verb calls first. Throws 403 `forbidden`. */
export function authorize(ctx: Ctx, action: Action, target: Target = {}): void {
  assertRole(ctx, action);
  const rule = rules[action];
  const { actor } = ctx;
  if (actor.role === 'admin' || !rule.scoped) return;
  if (!target.unit) throw new Error(`${action} is scoped but was authorized without a unit`);
  if (!inSubtree(actor.unitPath, target.unit.path)) {
    throw forbidden(`${actor.username} acts for unit ${actor.unitCode} and its subtree; ${target.unit.code} is outside it`);
  }
}

/**
 * The role half of authorize, for verbs that must refuse a role before they look anything up:
 * a role that may never do this hears 403, not 404 about an object it named.
 */
export function assertRole(ctx: Ctx, action: Action): void {
  const roles: readonly string[] = rules[action].roles;
  if (!roles.includes(ctx.actor.role)) throw forbidden(`the role ${ctx.actor.role} may not ${action.replace('.', ' ')}`);
}

/** For checks a verb makes itself (e.g. one's own tokens): same wording, same status. */
export function inScope(ctx: Ctx, unit: { path: string }): boolean {
  return ctx.actor.role === 'admin' || inSubtree(ctx.actor.unitPath, unit.path);
}

/**
 * For the other objects a write names besides its own target (the room a device stands in, the
 * agent that polls it, a link's far end): 403 unless the actor's subtree holds their unit too, so
 * that a write never reaches sideways into a neighbour's objects (article 21). `what` names the
 * object for the sentence; `advice` says who may do it instead.
 */
export function assertInScope(ctx: Ctx, unit: { code: string; path: string }, what: string, advice = ''): void {
  if (inScope(ctx, unit)) return;
  const { actor } = ctx;
  throw forbidden(`${actor.username} acts for unit ${actor.unitCode} and its subtree; ${what} belongs to ${unit.code}, outside it${advice ? `: ${advice}` : ''}`);
}
