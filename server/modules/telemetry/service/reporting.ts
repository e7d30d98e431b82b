import { eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { units } from '../../divisions/schema.js';

/**
 * Article 20: faults are reported to the upper-level O&M unit. A unit's O&M unit is its own
 * division (a department's is the division it belongs to); the level above is that division's
 * parent — and the region, having none above, reports to itself.
 */
export async function upperLevelUnits(db: Executor, codes: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(codes)];
  const answer = new Map<string, string>();
  if (wanted.length === 0) return answer;
  const own = await db.select({ code: units.code, kind: units.kind, parentCode: units.parentCode }).from(units).where(inArray(units.code, wanted));
  const divisionOf = new Map(own.map((u) => [u.code, u.kind === 'division' ? u.code : u.parentCode!]));
  const divisions = [...new Set(divisionOf.values())];
  const parents = new Map(
    (await db.select({ code: units.code, parentCode: units.parentCode }).from(units).where(inArray(units.code, divisions))).map((u) => [u.code, u.parentCode ?? u.code]),
  );
  for (const [code, division] of divisionOf) answer.set(code, parents.get(division) ?? division);
  return answer;
}

export async function unitPath(db: Executor, code: string): Promise<{ code: string; path: string } | undefined> {
  const [row] = await db.select({ code: units.code, path: units.path }).from(units).where(eq(units.code, code));
  return row;
}
