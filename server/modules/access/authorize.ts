import type { Ctx } from '../../context.js';
import { forbidden } from '../../http/problem.js';
import type { Role } from './schema.js';

/**
 * Who may do what. `scoped` actions act for a unit, and the actor must have that unit in its
 * subtree (an operator of 450100 acts for Nanning and everything below; an applicant's unit
 * is its department, so its subtree is itself). Later modules add their rows here, and the
 * authorization matrix test runs every row.
 */
export interface Rule {
  roles: readonly Role[];
  scoped: boolean;
}

const readers: Role[] = ['admin', 'operator', 'applicant', 'auditor'];

export const rules: Record<string, Rule> = {
  'unit.read': { roles: readers, scoped: false },
  'department.create': { roles: ['admin', 'operator'], scoped: true },
  'department.update': { roles: ['admin', 'operator'], scoped: true },
  'division.create': { roles: ['admin'], scoped: false },
  'division.update': { roles: ['admin'], scoped: false },
  'division.channels': { roles: ['admin', 'operator'], scoped: true },
  'user.read': { roles: ['admin', 'operator', 'auditor'], scoped: false },
  'user.create': { roles: ['admin', 'operator'], scoped: true },
  'token.read': { roles: ['admin', 'operator', 'applicant', 'auditor', 'agent'], scoped: true },
  'token.create': { roles: ['admin', 'operator', 'applicant', 'auditor', 'agent'], scoped: true },
  'token.revoke': { roles: ['admin', 'operator', 'applicant', 'auditor', 'agent'], scoped: true },
  'audit.read': { roles: ['admin', 'auditor'], scoped: false },
  'audit.verify': { roles: ['admin', 'auditor'], scoped: false },
};

export function addRules(more: Record<string, Rule>): void {
  for (const [action, rule] of Object.entries(more)) {
    if (rules[action]) throw new Error(`authorization rule ${action} defined twice`);
    rules[action] = rule;
  }
}

/** The target a scoped action acts for: a unit, identified with its path. */
export interface Target {
  unit?: { code: string; path: string };
}

export function inSubtree(actorPath: string, unitPath: string): boolean {
  return unitPath.startsWith(actorPath);
}

/** The one gate every service verb calls first. Throws 403 `forbidden`. */
export function authorize(ctx: Ctx, action: string, target: Target = {}): void {
  const rule = rules[action];
  if (!rule) throw new Error(`no authorization rule for ${action}`);
  const { actor } = ctx;
  if (!rule.roles.includes(actor.role)) {
    throw forbidden(`the role ${actor.role} may not ${action.replace('.', ' ')}`);
  }
  if (actor.role === 'admin' || !rule.scoped) return;
  if (!target.unit) throw new Error(`${action} is scoped but was authorized without a unit`);
  if (!inSubtree(actor.unitPath, target.unit.path)) {
    throw forbidden(`${actor.username} acts for unit ${actor.unitCode} and its subtree; ${target.unit.code} is outside it`);
  }
}

/** For checks a verb makes itself (e.g. one's own tokens): same wording, same status. */
export function inScope(ctx: Ctx, unit: { path: string }): boolean {
  return ctx.actor.role === 'admin' || inSubtree(ctx.actor.unitPath, unit.path);
}
