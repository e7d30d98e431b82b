import { addRules } from '../access/authorize.js';
import type { UnitRow } from '../divisions/schema.js';

const readers = ['admin', 'operator', 'applicant', 'auditor'] as const;

// Domains act for units like prefixes do: delegating and reclaiming act for the parent zone's
// holder, records and name servers for the zone's own holder (so a county's operators write
// into their townships' zones, article 21). Zone files are also pulled by machines: a DNS
// server's pull job may run with an agent's token.
addRules({
  'domain.read': { roles: [...readers], scoped: false },
  'zone.read': { roles: [...readers, 'agent'], scoped: false },
  'domain.create': { roles: ['admin'], scoped: false },
  'domain.delegate': { roles: ['admin', 'operator'], scoped: true },
  'domain.update': { roles: ['admin', 'operator'], scoped: true },
  'domain.reclaim': { roles: ['admin', 'operator'], scoped: true },
  'record.create': { roles: ['admin', 'operator'], scoped: true },
  'record.delete': { roles: ['admin', 'operator'], scoped: true },
});

type Unit = Pick<UnitRow, 'code' | 'name' | 'kind' | 'level' | 'parentCode' | 'path'>;

const describe = (u: Unit) => `${u.code} (${u.name})`;

/**
 * Why a zone held by `holder` may not be delegated to `recipient`, or null when it may.
 * Article 21: names move one level at a time down the division tree (region → city →
 * county → township), and a department gets its names from its own division.
 */
export function delegationRefusal(holder: Unit, recipient: Unit): string | null {
  if (holder.kind === 'department') {
    return `the zone is held by the department ${describe(holder)}: a department's names are not delegated further`;
  }
  if (recipient.parentCode === holder.code) return null;
  if (recipient.code === holder.code) {
    return `${describe(holder)} already holds the zone: delegation hands a name to the level below; keep your own names as records in this zone`;
  }
  if (recipient.kind === 'department') {
    return `a department receives names from its own division: ${describe(recipient)} belongs to ${recipient.parentCode}, not to ${describe(holder)}`;
  }
  if (recipient.path.startsWith(holder.path)) {
    return (
      `names move down one level at a time: ${describe(recipient)} (${recipient.level}) lies below ${recipient.parentCode}, ` +
      `not directly below ${describe(holder)}; delegate to ${recipient.parentCode} first, whose zone then delegates further`
    );
  }
  return `${describe(recipient)} is not below ${describe(holder)}: names move down the division tree, never sideways or up`;
}
