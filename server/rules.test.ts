import { describe, expect, it } from 'vitest';
import type { Ctx } from './context.js';
import { assertRole, authorize } from './modules/access/authorize.js';
import { roles } from './modules/access/schema.js';
import { ruleTables, rules, type Action } from './rules.js';

const asRole = (role: (typeof roles)[number]) => ({ actor: { userId: 1, username: 'x', role, unitCode: '450100', unitPath: '/450000/450100/' } }) as Ctx;

describe('the authorization index', () => {
  it('declares every action in exactly one module', () => {
    const seen = new Map<string, string>();
    for (const [module, table] of Object.entries(ruleTables)) {
      for (const action of Object.keys(table)) {
        expect(seen.get(action), `${action} is declared by ${seen.get(action)} and ${module}`).toBeUndefined();
        seen.set(action, module);
      }
    }
    expect(seen.size).toBe(Object.keys(rules).length);
  });

  it('names only roles that exist', () => {
    for (const [action, rule] of Object.entries(rules)) {
      for (const role of rule.roles) expect(roles, action).toContain(role);
    }
  });

  it('rejects an unknown action name at compile time', () => {
    const check = (ctx: Ctx) => {
      // @ts-expect-error 'prefix.raed' is no action: a typo must not compile
      authorize(ctx, 'prefix.raed');
      // @ts-expect-error the role half takes the same names
      assertRole(ctx, 'device.creat');
    };
    expect(typeof check).toBe('function');
    const action: Action = 'prefix.read';
    expect(() => authorize(asRole('agent'), action)).toThrow(/may not/);
    expect(() => authorize(asRole('auditor'), action)).not.toThrow();
  });

  it('refuses a scoped action outside the actor’s subtree, and allows it inside', () => {
    const operator = asRole('operator');
    expect(() => authorize(operator, 'prefix.delegate', { unit: { code: '450102', path: '/450000/450100/450102/' } })).not.toThrow();
    expect(() => authorize(operator, 'prefix.delegate', { unit: { code: '450200', path: '/450000/450200/' } })).toThrow(/outside/);
  });
});
