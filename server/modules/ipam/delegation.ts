import { ruleViolation } from '../../http/problem.js';
import { readStoredCidr } from '../../net/cidr.js';
import type { UnitRow } from '../divisions/schema.js';
import { assertActive } from '../divisions/service.js';
import type { PrefixRow, PrefixStatus } from './schema.js';

const levelAbove = { city: 'region', county: 'city', township: 'county' } as const;

/**
 * Article 21: space moves one level at a time (region → city → county → township) and to
 * departments of the holder's own level. Who acts is a separate question (authorize); this
 * decides whether the holder relationship allows the delegation at all. Throws 422.
 */
export function checkDelegation(parent: PrefixRow, parentHolder: UnitRow, recipient: UnitRow, status: PrefixStatus): void {
  if (parent.status === 'assigned') {
    throw ruleViolation('delegation_rule', `${readStoredCidr(parent.prefix).text} is assigned to ${parentHolder.name}: an assigned prefix holds addresses, not further delegations`, { rule: 'assigned_is_leaf' });
  }
  assertActive(recipient);
  const name = (u: UnitRow) => `${u.name} (${u.code})`;
  switch (status) {
    case 'reserved':
      if (recipient.code !== parentHolder.code) {
        throw ruleViolation('delegation_rule', `reserved space stays with its holder ${name(parentHolder)}; to give it to ${name(recipient)} allocate or assign it`, { rule: 'reserved_stays' });
      }
      return;
    case 'allocated':
      if (recipient.kind !== 'division' || parentHolder.kind !== 'division') {
        throw ruleViolation('delegation_rule', `space is allocated only to divisions; ${name(recipient)} is a department: assign it instead`, { rule: 'allocated_to_division' });
      }
      if (recipient.parentCode !== parentHolder.code) {
        const below = recipient.path.startsWith(parentHolder.path);
        throw ruleViolation(
          'delegation_rule',
          below
            ? `${name(parentHolder)} allocates only to the level directly below it; ${name(recipient)} is further down: allocate to its ${levelAbove[recipient.level as keyof typeof levelAbove]} first, which allocates on (no skipping levels)`
            : `${name(recipient)} is not directly below ${name(parentHolder)}: each unit gets its space from its own upper level, never sideways`,
          { rule: below ? 'no_level_skipping' : 'no_sideways' },
        );
      }
      return;
    case 'assigned':
      if (recipient.kind !== 'department' || recipient.parentCode !== parentHolder.code) {
        throw ruleViolation(
          'delegation_rule',
          `${name(parentHolder)} assigns addresses only to departments of its own level; ${name(recipient)} is ${recipient.kind === 'department' ? 'a department of another division' : 'a division: allocate to it instead'}`,
          { rule: 'assigned_to_own_department' },
        );
      }
      return;
    case 'pool':
      throw ruleViolation('delegation_rule', 'a pool is a root prefix; children are allocated, assigned or reserved', { rule: 'pool_is_root' });
  }
}

/** The status a child gets when none is given: what the holder relationship allows. */
export function defaultStatus(parentHolder: UnitRow, recipient: UnitRow): PrefixStatus {
  if (recipient.code === parentHolder.code) return 'reserved';
  return recipient.kind === 'department' ? 'assigned' : 'allocated';
}
