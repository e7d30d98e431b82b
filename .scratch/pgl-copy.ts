import fs from 'node:fs';
import { migrate } from '../server/db/migrate.js';
import { seed } from '../server/bootstrap.js';
import { openPglite } from '../server/db/client.js';
const rss = () => Math.round(process.memoryUsage().rss / 1048576);
if (!fs.existsSync('/tmp/pgl-tdir/pg')) {
  const d = await openPglite('/tmp/pgl-tdir'); await migrate(d); await seed(d); await d.close();
  fs.rmSync('/tmp/pgl-tdir/waiwang.lock', { force: true });
  console.log('built');
}
let t = performance.now();
const dir = fs.mkdtempSync('/tmp/pglexp-');
fs.cpSync('/tmp/pgl-tdir/pg', dir + '/pg', { recursive: true });
console.log('copy', Math.round(performance.now() - t));
const db = await openPglite(dir);
console.log('open', Math.round(performance.now() - t), 'ms rss', rss());
t = performance.now(); await migrate(db); console.log('migrate', Math.round(performance.now() - t));
t = performance.now(); await seed(db); console.log('seed', Math.round(performance.now() - t), 'rss', rss());
await db.close();
