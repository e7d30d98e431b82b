/**
 * Who reviews an application: derived by the rules of the regulation, never chosen by the
 * applicant. Pure, over the applicant and its ancestors (nearest first).
 *
 * - a department applies to its same-level O&M unit (article 19: 向同级运维管理单位申请): the
 *   division it belongs to; a department of a township to the county, since township space and
 *   names are run by the county (article 21: 乡级 IP 地址和域名由县级运维单位统一分配和管理);
 * - a township asks its county;
 * - a lower O&M unit asking for space or names asks the level above (article 21), and so does
 *   one applying for access or deployment at the upper node;
 * - a plan goes to the level above (article 15): county plans to the city, city plans to the
 *   region information center, the region's own to the admin; an approved county plan is filed
 *   (备案) with the region information center.
 */
import { ruleViolation } from '../../http/problem.js';
import type { UnitRow } from '../divisions/schema.js';
import type { ApplicationType } from './schema.js';

export interface Review {
  reviewer: string;
  /** A region plan: nobody stands above the region information center but the admin. */
  adminReview: boolean;
}

type Unit = Pick<UnitRow, 'code' | 'name' | 'kind' | 'level'>;

/** `ancestors`: the applicant's parent, grandparent, … up to the region. */
export function deriveReviewer(type: ApplicationType, applicant: Unit, ancestors: readonly Unit[]): Review {
  const [parent, grandparent] = ancestors;
  if (applicant.kind === 'department') {
    if (!parent) throw new Error(`department ${applicant.code} has no division`);
    if (parent.level === 'township') {
      if (!grandparent) throw new Error(`township ${parent.code} has no county`);
      return { reviewer: grandparent.code, adminReview: false };
    }
    return { reviewer: parent.code, adminReview: false };
  }
  if (applicant.level === 'region') {
    if (type === 'plan') return { reviewer: applicant.code, adminReview: true };
    throw ruleViolation(
      'rule_violation',
      `${applicant.name} (${applicant.code}) is the region information center: it holds the root pools and zones and applies to nobody for ${type}; only its plans go to the admin`,
      { field: 'applicant' },
    );
  }
  if (!parent) throw new Error(`division ${applicant.code} has no parent`);
  return { reviewer: parent.code, adminReview: false };
}

/** 备案: an approved county plan is filed with the region information center (the root of the tree). */
export function filedWith(type: ApplicationType, applicant: Unit, ancestors: readonly Unit[]): string | null {
  if (type !== 'plan' || applicant.kind !== 'division' || applicant.level !== 'county') return null;
  return ancestors[ancestors.length - 1]?.code ?? null;
}

/** The smallest IPv4 block that holds `count` addresses: 300 → /23 (512). */
export function prefixLengthFor(count: number): number {
  return 32 - Math.ceil(Math.log2(Math.max(1, count)));
}
