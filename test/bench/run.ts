/**
 * Runs every benchmark in test/bench/ in turn (`npm run bench`), each in its own process so one
 * does not warm or load the next. A benchmark is any `*.ts` file here but this runner and
 * helpers (`support*.ts`, or a name starting with `_`).
 *   npm run bench                  all of them
 *   npm run bench -- startup ipam  only those whose file name contains one of the words
 * Each benchmark reports its figures with reportRows() (support.ts); this runner ends with all
 * of them as ONE Markdown table (what, measured, baseline, ratio, must, goal, met), the table
 * the README's benchmark section quotes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { markdownTable, verdict, type BenchRow } from './support.js';

const folder = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const benches = fs
  .readdirSync(folder)
  .filter((name) => name.endsWith('.ts') && name !== 'run.ts' && !name.startsWith('support') && !name.startsWith('_'))
  .filter((name) => !filters.length || filters.some((f) => name.includes(f)))
  .sort();

if (!benches.length) {
  console.error(`no benchmark in ${folder}${filters.length ? ` matches ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

const rowsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-bench-rows-')), 'rows.jsonl');
fs.writeFileSync(rowsFile, '');
const outcomes: { bench: string; seconds: number; status: string }[] = [];
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(folder, bench)], {
    stdio: 'inherit',
    cwd: path.resolve(folder, '../..'),
    env: { ...process.env, WAIWANG_BENCH_ROWS: rowsFile },
  });
  const status = result.status === 0 ? 'ok' : result.signal ? `killed by ${result.signal}` : `exit ${result.status}`;
  outcomes.push({ bench, seconds: (performance.now() - started) / 1000, status });
}

console.log('\n=== benchmarks ===');
for (const o of outcomes) console.log(`${o.status === 'ok' ? 'ok    ' : 'FAILED'}  ${o.bench.padEnd(32)} ${o.seconds.toFixed(1)} s${o.status === 'ok' ? '' : `  (${o.status})`}`);

const figures: BenchRow[] = fs
  .readFileSync(rowsFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as BenchRow);
fs.rmSync(path.dirname(rowsFile), { recursive: true, force: true });
const missed = figures.filter((f) => verdict(f) === 'NO');
console.log(`\n=== every figure (node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} at the end, ${new Date().toISOString().slice(0, 10)}) ===\n`);
console.log(markdownTable(figures));
if (missed.length) console.log(`\n${missed.length} figure(s) miss even their minimum: ${missed.map((f) => f.what).join('; ')}`);
process.exit(outcomes.every((o) => o.status === 'ok') ? 0 : 1);
