/**
 * Administrative division model for the Guangxi extranet registry.
 *
 * Codes follow the National Bureau of Statistics (国家统计局) statistical
 * division codes: 6 digits for region / city / county level
 * (450000, 450100, 450102) and 9 digits for township level (450102001).
 */

/** Position of a division in the four-level tree. */
export type DivisionLevel = 'region' | 'city' | 'county' | 'township';

/** What kind of division an entry is (derived from its name). */
export type DivisionType =
  // region level
  | 'autonomous_region' // 自治区 (广西壮族自治区)
  // city level
  | 'prefecture_city' // 地级市
  // county level
  | 'district' // 市辖区 (…区)
  | 'county' // 县
  | 'autonomous_county' // 自治县 (…族自治县)
  | 'county_city' // 县级市
  // township level
  | 'township' // 乡, including 民族乡
  | 'town' // 镇
  | 'street_office' // 街道 (街道办事处)
  | 'development_zone' // 开发区, 园区, 管委会, 管理区, 保税区 …
  | 'farm' // 农场, 林场, 华侨农场, 作物场 …
  // anything the name rules cannot place (needs a human look)
  | 'other';

export interface DivisionRecord {
  /** 6-digit (region/city/county) or 9-digit (township) statistical code. */
  code: string;
  name: string;
  /** Code of the parent division; null only for the region. */
  parent: string | null;
  level: DivisionLevel;
  type: DivisionType;
}

export const DIVISION_LEVELS: readonly DivisionLevel[] = ['region', 'city', 'county', 'township'];

/** Types valid at each level (the `other` escape hatch is allowed everywhere). */
export const DIVISION_TYPES_BY_LEVEL: Readonly<Record<DivisionLevel, readonly DivisionType[]>> = {
  region: ['autonomous_region', 'other'],
  city: ['prefecture_city', 'other'],
  county: ['district', 'county', 'autonomous_county', 'county_city', 'other'],
  township: ['township', 'town', 'street_office', 'development_zone', 'farm', 'other'],
};

/**
 * Suffixes of township-level "similar-to-township units" (类似乡级单位) that are
 * farms. State farms (国营农场), overseas-Chinese farms (华侨农场), forest farms
 * (林场) and similar production units were given township-level status when
 * they ran their own settlements; they are not civil townships.
 */
const FARM_SUFFIXES = [
  '农场', // 农场, 华侨农场, 国营…华侨农场
  '林场', // forest farms
  '牧场', // ranches
  '茶场', // tea plantations
  '果场', // orchards
  '渔场', // fisheries
  '作物场', // 经济作物场 (cash-crop farm, e.g. 小峰经济作物场)
  '垦殖场', // reclamation farms
  '良种场', // seed farms
  '种畜场', // breeding farms
  '苗圃', // nurseries
];

/**
 * Suffixes of township-level development / special zones. These are run by a
 * management committee (管理委员会/管委会) rather than a township government:
 * economic & high-tech development zones, industrial parks, bonded zones,
 * scenic/tourism management areas and former overseas-Chinese farms turned
 * into "管理区" / "投资区".
 */
const DEVELOPMENT_ZONE_SUFFIXES = [
  '开发区', // 经济(技术)开发区, 高新技术开发区
  '园区', // 工业园区, 产业园区
  '产业园', // 中泰产业园
  '工业园',
  '科技园',
  '物流园',
  '管理委员会', // "…管理委员会" is the body running a zone
  '管委会', // short form of 管理委员会
  '管理区', // 华侨管理区, 旅游管理区
  '经济区', // 旅游经济区, 空港经济区
  '投资区', // 华侨投资区, 来华投资区
  '保税区', // 综合保税区
  '保税港区', // 保税港区 (bonded port area)
  '集聚区', // 产业集聚区
  '新区',
  '示范区',
  '试验区',
  '合作区',
  '工业区',
  '高新区',
  '旅游区',
  '风景区',
  '度假区',
];

/**
 * Classify a division by the suffix of its name.
 *
 * Used by the generator for the NBS snapshot and by the API when an admin adds
 * a division by hand, so the rules must be deterministic and name-only.
 * Returns `other` when no rule matches (it never throws); callers may flag such
 * entries for review.
 */
export function classifyDivision(level: DivisionLevel, name: string): DivisionType {
  const n = name.trim();
  switch (level) {
    case 'region':
      // Guangxi is a provincial-level autonomous region (…壮族自治区).
      // Provinces (省) and municipalities are outside this appliance's scope.
      return n.endsWith('自治区') ? 'autonomous_region' : 'other';

    case 'city':
      // Every Guangxi prefecture-level unit is a 地级市. 自治州 / 地区 / 盟
      // do not occur in Guangxi, so they fall through to `other`.
      return n.endsWith('市') ? 'prefecture_city' : 'other';

    case 'county':
      // Order matters: "…自治县" also ends with "县", so test it first.
      if (n.endsWith('自治县')) return 'autonomous_county';
      if (n.endsWith('县')) return 'county';
      // A county-level unit named "…市" is a 县级市 (e.g. 横州市, 岑溪市),
      // administered by the prefecture city above it.
      if (n.endsWith('市')) return 'county_city';
      // Municipal districts (市辖区): 兴宁区, 青秀区 … (a bare "市辖区"
      // placeholder is filtered out by the generator, not classified here).
      if (n.endsWith('区')) return 'district';
      // 旗 / 自治旗 / 特区 / 林区 do not occur in Guangxi.
      return 'other';

    case 'township':
      // The regular civil units carry unambiguous suffixes; test them first so
      // that e.g. "开发区街道" is still a street office.
      // 街道 = 街道办事处 (urban sub-district office).
      if (n.endsWith('街道') || n.endsWith('街道办事处')) return 'street_office';
      // 镇 = town.
      if (n.endsWith('镇')) return 'town';
      // 乡 = township; 民族乡 ("…瑶族乡", "…苗族乡") also ends with 乡.
      if (n.endsWith('乡')) return 'township';
      // Farms before zones: "华侨农场" must not be caught by a zone rule.
      if (FARM_SUFFIXES.some((s) => n.endsWith(s))) return 'farm';
      if (DEVELOPMENT_ZONE_SUFFIXES.some((s) => n.endsWith(s))) return 'development_zone';
      // Enterprise-run units (矿务局, 铝业 …) and bare place names (青秀山)
      // carry no recognisable suffix.
      return 'other';
  }
}
