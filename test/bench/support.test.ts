import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownTable, reportRows, verdict, type BenchRow } from './support.js';

/** The closing table of `npm run bench`: what "met" says, and how rows travel to run.ts. */
describe('benchmark rows', () => {
  const row = (ratio: number, over: Partial<BenchRow> = {}): BenchRow => ({ what: 'x', measured: '1 /s', baseline: '2 /s', ratio, must: ['>=', 0.3], goal: ['>=', 0.5], ...over });

  it('says goal, must or NO against the bounds, in either direction', () => {
    expect(verdict(row(0.6))).toBe('goal');
    expect(verdict(row(0.5))).toBe('goal');
    expect(verdict(row(0.4))).toBe('must');
    expect(verdict(row(0.29))).toBe('NO');
    expect(verdict(row(2.5, { must: ['<=', 3], goal: ['<=', 2] }))).toBe('must');
    expect(verdict(row(3.1, { must: ['<=', 3], goal: ['<=', 2] }))).toBe('NO');
    expect(verdict(row(1, { must: undefined, goal: ['<=', 3] }))).toBe('goal');
    expect(verdict(row(4, { must: undefined, goal: ['<=', 3] }))).toBe('NO');
    expect(verdict(row(4, { must: undefined, goal: undefined }))).toBe('—');
  });

  it('prints one Markdown row per figure, with units', () => {
    const text = markdownTable([row(0.123), row(312.4, { unit: 'MiB', must: ['<=', 450], goal: ['<=', 350], measured: '312 MiB', baseline: '80 MiB' })]);
    expect(text.split('\n')).toEqual([
      '| what | measured | baseline | ratio | must | goal | met |',
      '|---|---|---|---|---|---|---|',
      '| x | 1 /s | 2 /s | 0.12× | ≥ 0.3× | ≥ 0.5× | NO |',
      '| x | 312 MiB | 80 MiB | 312 MiB | ≤ 450 MiB | ≤ 350 MiB | goal |',
    ]);
  });

  it('appends the rows as JSON lines to the file run.ts names', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rows-')), 'rows.jsonl');
    const previous = process.env.WAIWANG_BENCH_ROWS;
    process.env.WAIWANG_BENCH_ROWS = file;
    try {
      reportRows([row(0.4)]);
      reportRows([row(0.7, { what: 'y' })]);
    } finally {
      if (previous === undefined) delete process.env.WAIWANG_BENCH_ROWS;
      else process.env.WAIWANG_BENCH_ROWS = previous;
    }
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BenchRow);
    expect(lines.map((l) => [l.what, l.ratio])).toEqual([['x', 0.4], ['y', 0.7]]);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
