/**
 * Runs every benchmark in test/bench/ in turn (`npm run bench`), each in its own process so one
 * does not warm or load the next. A benchmark is any `*.ts` file here but this runner and
 * helpers (`support*.ts`, or a name starting with `_`).
 *   npm run bench                  all of them
 *   npm run bench -- startup ipam  only those whose file name contains one of the words
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

const outcomes: { bench: string; seconds: number; status: string }[] = [];
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(folder, bench)], { stdio: 'inherit', cwd: path.resolve(folder, '../..') });
  const status = result.status === 0 ? 'ok' : result.signal ? `killed by ${result.signal}` : `exit ${result.status}`;
  outcomes.push({ bench, seconds: (performance.now() - started) / 1000, status });
}

console.log('\n=== benchmarks ===');
for (const o of outcomes) console.log(`${o.status === 'ok' ? 'ok    ' : 'FAILED'}  ${o.bench.padEnd(32)} ${o.seconds.toFixed(1)} s${o.status === 'ok' ? '' : `  (${o.status})`}`);
process.exit(outcomes.every((o) => o.status === 'ok') ? 0 : 1);
