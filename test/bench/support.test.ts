import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { benchToken, listen, loadFromWorker, markdownTable, medianRound, ratioRounds, reportRows, verdict, type BenchRow } from './support.js';

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

/** The rounds of the throughput benchmarks (ipam-concurrent, ipam-addresses). */
describe('ratio rounds', () => {
  it('runs each scenario baseline-then-API, scenarios interleaved, and keeps each round whole', async () => {
    const calls: string[] = [];
    let n = 0;
    const side = (name: string, rate: () => number) => async () => {
      calls.push(name);
      n += 1;
      return rate();
    };
    const [a, b] = await ratioRounds(2, [
      { raw: side('a.raw', () => 100), api: side('a.api', () => 10 * n) },
      { raw: side('b.raw', () => 50), api: side('b.api', () => 5) },
    ]);
    expect(calls).toEqual(['a.raw', 'a.api', 'b.raw', 'b.api', 'a.raw', 'a.api', 'b.raw', 'b.api']);
    expect(a).toEqual([{ raw: 100, api: 20, ratio: 0.2 }, { raw: 100, api: 60, ratio: 0.6 }]);
    expect(b.map((r) => r.ratio)).toEqual([0.1, 0.1]);
  });

  it('reports the median round by its ratio, with that round\'s own rates', () => {
    const round = (raw: number, api: number) => ({ raw, api, ratio: api / raw });
    // The median ratio is the 2,000 /s round's, though 1,500 /s is the median baseline.
    expect(medianRound([round(1000, 400), round(2000, 500), round(1500, 200)])).toEqual(round(2000, 500));
    expect(medianRound([round(100, 30), round(100, 10)])).toEqual(round(100, 10));
    expect(medianRound([round(100, 30)])).toEqual(round(100, 30));
    expect(() => medianRound([])).toThrow(/no rounds/);
  });
});

/** The benchmarks' HTTP clients (load-worker.mjs through loadFromWorker). */
describe('loadFromWorker', () => {
  async function counting(answer: (path: string) => number) {
    const seen = new Map<string, number>();
    let unauthorized = 0;
    const app = new Hono();
    app.post('/c/:n', async (c) => {
      if (c.req.header('authorization') !== `Bearer ${benchToken}`) unauthorized++;
      const body = await c.req.json();
      // Each client's own body: /c/3 is sent { n: 3 }.
      seen.set(c.req.path, (seen.get(c.req.path) ?? 0) + (`/c/${body.n}` === c.req.path ? 1 : 0));
      return c.json({ ok: true }, answer(c.req.path) as 201);
    });
    return { http: await listen(app as never), seen, unauthorized: () => unauthorized };
  }

  it('sends each client its own request, exactly perClient times, with its body and the token, and again from the same worker', async () => {
    const { http, seen, unauthorized } = await counting(() => 201);
    try {
      for (let call = 1; call <= 2; call++) {
        const ms = await loadFromWorker(http.base, 4, 25, (c) => ({ method: 'POST', path: `/c/${c}`, body: { n: c }, expect: 201 }));
        expect(ms).toBeGreaterThan(0);
        // The time is the last answer's, not autocannon's next one-second tick.
        expect(ms).toBeLessThan(1000);
        expect([...seen.entries()].sort()).toEqual([0, 1, 2, 3].map((c) => [`/c/${c}`, 25 * call]));
      }
      expect(unauthorized()).toBe(0);
    } finally {
      await http.close();
    }
  });

  it('rejects a run in which any answer has another status', async () => {
    const { http } = await counting((path) => (path === '/c/2' ? 409 : 201));
    try {
      await expect(loadFromWorker(http.base, 4, 5, (c) => ({ method: 'POST', path: `/c/${c}`, body: { n: c }, expect: 201 }))).rejects.toThrow('POST /c/2: 409, not 201');
    } finally {
      await http.close();
    }
  });
});
