import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { classifyDivision, type DivisionLevel, type DivisionRecord, type DivisionType } from './types.js';

const records: DivisionRecord[] = JSON.parse(readFileSync(new URL('./guangxi.json', import.meta.url), 'utf8'));
const byCode = new Map(records.map((r) => [r.code, r]));
const ofLevel = (level: DivisionLevel) => records.filter((r) => r.level === level);
const PARENT_LEVEL: Record<DivisionLevel, DivisionLevel | null> = { region: null, city: 'region', county: 'city', township: 'county' };
const TOWNSHIP_TYPES: DivisionType[] = ['township', 'town', 'street_office', 'development_zone', 'farm', 'other'];

describe('guangxi.json', () => {
  it('has 1 region, 14 cities, 111 counties and 1,284 township-level units', () => {
    expect(ofLevel('region')).toHaveLength(1);
    expect(ofLevel('city')).toHaveLength(14);
    expect(ofLevel('county')).toHaveLength(111);
    expect(ofLevel('township')).toHaveLength(1284);
    expect(records).toHaveLength(1 + 14 + 111 + 1284);
  });

  it('has unique, well-formed codes sorted with parents before children', () => {
    expect(byCode.size).toBe(records.length);
    for (const r of records) {
      expect(r.code, r.name).toMatch(r.level === 'township' ? /^45\d{7}$/ : /^45\d{4}$/);
      expect(r.name.trim(), r.code).toBe(r.name);
      expect(r.name.length, r.code).toBeGreaterThan(0);
    }
    expect(ofLevel('region')[0].code).toBe('450000');
    for (const c of ofLevel('city')) expect(c.code, c.name).toMatch(/^45\d\d00$/);
    const codes = records.map((r) => r.code);
    expect(codes).toEqual([...codes].sort());
    const index = new Map(codes.map((c, i) => [c, i]));
    for (const r of records) if (r.parent) expect(index.get(r.parent)!, r.code).toBeLessThan(index.get(r.code)!);
  });

  it('every parent exists, is one level up and is a code prefix', () => {
    for (const r of records) {
      const want = PARENT_LEVEL[r.level];
      if (want === null) {
        expect(r.parent, r.code).toBeNull();
        continue;
      }
      expect(r.parent, r.code).not.toBeNull();
      const p = byCode.get(r.parent!);
      expect(p, `${r.code} parent ${r.parent}`).toBeDefined();
      expect(p!.level, r.code).toBe(want);
      const prefix = r.level === 'city' ? 2 : r.level === 'county' ? 4 : 6;
      expect(r.code.slice(0, prefix), r.code).toBe(p!.code.slice(0, prefix));
    }
  });

  it('contains the known Nanning entries', () => {
    expect(byCode.get('450000')).toMatchObject({ name: '广西壮族自治区', parent: null, level: 'region', type: 'autonomous_region' });
    expect(byCode.get('450100')).toMatchObject({ name: '南宁市', parent: '450000', level: 'city', type: 'prefecture_city' });
    expect(byCode.get('450102')).toMatchObject({ name: '兴宁区', parent: '450100', level: 'county', type: 'district' });
    expect(byCode.get('450102001')).toMatchObject({ parent: '450102', level: 'township' });
    expect(byCode.get('450181')).toMatchObject({ name: '横州市', type: 'county_city' });
  });

  it('has no placeholder counties such as 市辖区', () => {
    expect(ofLevel('county').filter((r) => r.name === '市辖区')).toEqual([]);
  });

  it('gives every entry a type valid for its level', () => {
    for (const r of ofLevel('township')) expect(TOWNSHIP_TYPES, `${r.code} ${r.name}`).toContain(r.type);
    for (const r of ofLevel('county')) expect(['district', 'county', 'autonomous_county', 'county_city'], `${r.code} ${r.name}`).toContain(r.type);
    for (const r of ofLevel('city')) expect(r.type, r.code).toBe('prefecture_city');
    for (const r of records) expect(r.type, r.code).toBe(classifyDivision(r.level, r.name));
  });

  it('has the expected county-level type breakdown', () => {
    const count = (t: DivisionType) => ofLevel('county').filter((r) => r.type === t).length;
    expect({ district: count('district'), county: count('county'), autonomous_county: count('autonomous_county'), county_city: count('county_city') })
      .toEqual({ district: 41, county: 48, autonomous_county: 12, county_city: 10 });
  });

  it('has 20-45 development zones, farms and other special units (31 in NBS 2023)', () => {
    const special = ofLevel('township').filter((r) => r.type === 'development_zone' || r.type === 'farm' || r.type === 'other');
    expect(special.length).toBeGreaterThanOrEqual(20);
    expect(special.length).toBeLessThanOrEqual(45);
    expect(special.length).toBe(31);
    // NBS gives these "similar-to-township units" codes 400–599 within the county.
    for (const r of special) expect(Number(r.code.slice(6)), `${r.code} ${r.name}`).toBeGreaterThanOrEqual(400);
  });
});

describe('classifyDivision', () => {
  it('region and city level', () => {
    expect(classifyDivision('region', '广西壮族自治区')).toBe('autonomous_region');
    expect(classifyDivision('region', '广东省')).toBe('other');
    expect(classifyDivision('city', '南宁市')).toBe('prefecture_city');
    expect(classifyDivision('city', '防城港市')).toBe('prefecture_city');
    expect(classifyDivision('city', '恩施土家族苗族自治州')).toBe('other');
  });

  it('county level', () => {
    expect(classifyDivision('county', '兴宁区')).toBe('district');
    expect(classifyDivision('county', '西乡塘区')).toBe('district');
    expect(classifyDivision('county', '隆安县')).toBe('county');
    expect(classifyDivision('county', '融水苗族自治县')).toBe('autonomous_county');
    expect(classifyDivision('county', '龙胜各族自治县')).toBe('autonomous_county');
    expect(classifyDivision('county', '横州市')).toBe('county_city');
    expect(classifyDivision('county', ' 岑溪市 ')).toBe('county_city');
    expect(classifyDivision('county', '额济纳旗')).toBe('other');
  });

  it('township level', () => {
    expect(classifyDivision('township', '民生街道')).toBe('street_office');
    expect(classifyDivision('township', '开发区街道')).toBe('street_office');
    expect(classifyDivision('township', '夏石镇')).toBe('town');
    expect(classifyDivision('township', '那坡乡')).toBe('township');
    expect(classifyDivision('township', '古砦仫佬族乡')).toBe('township'); // 民族乡
    expect(classifyDivision('township', '廖平农场')).toBe('farm');
    expect(classifyDivision('township', '国营宁明华侨农场')).toBe('farm');
    expect(classifyDivision('township', '小峰经济作物场')).toBe('farm');
    expect(classifyDivision('township', '某某林场')).toBe('farm');
    expect(classifyDivision('township', '仙葫经济开发区')).toBe('development_zone');
    expect(classifyDivision('township', '明阳工业园区')).toBe('development_zone');
    expect(classifyDivision('township', '中泰产业园')).toBe('development_zone');
    expect(classifyDivision('township', '桂林华侨旅游经济区管理委员会')).toBe('development_zone');
    expect(classifyDivision('township', '某某管委会')).toBe('development_zone');
    expect(classifyDivision('township', '隆安华侨管理区')).toBe('development_zone');
    expect(classifyDivision('township', '广西钦州保税港区')).toBe('development_zone');
    expect(classifyDivision('township', '广西凭祥综合保税区')).toBe('development_zone');
    expect(classifyDivision('township', '扶绥县木业家居产业集聚区')).toBe('development_zone');
    expect(classifyDivision('township', '那龙矿务局')).toBe('other');
    expect(classifyDivision('township', '青秀山')).toBe('other');
  });
});
