// A server process of its own on an existing registry database (CHILD_URL), for _two-procs.ts and
// _sched-child.ts: prints its base URL, stops on SIGTERM.
import pino from 'pino';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { openPostgres } from '../../server/db/client.js';
import { listen } from './support.js';

const database = await openPostgres(process.env.CHILD_URL!, 24);
const config = loadConfig({});
const app = createApp({ database, config, log: pino({ level: 'silent' }), now: () => new Date() });
const http = await listen(app);
console.log(http.base);
process.on('SIGTERM', async () => {
  await http.close();
  await database.close();
  process.exit(0);
});
