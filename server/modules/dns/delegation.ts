import type { UnitRow } from '../divisions/schema.js';

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
