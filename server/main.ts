import fs from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import pino from 'pino';
import { loadConfig } from './config.js';
import { openServerDatabase } from './db/open.js';

/**
 * The rest of the server, loaded once the database has started opening: a fresh embedded start
 * copies the PGlite template in a worker thread meanwhile (issue 14). In the bundle npm start
 * runs (scripts/start.mjs) these modules are evaluated only when imported here.
 */
const loadServer = () =>
  Promise.all([
    import('@hono/node-server'),
    import('./app.js'),
    import('./bootstrap.js'),
    import('./modules/audit/sealer.js'),
    import('./modules/telemetry/job.js'),
    import('./modules/applications/job.js'),
    import('./modules/registers/job.js'),
    import('./modules/webhooks/worker.js'),
    import('./modules/access/sessions.js'),
    import('./jobs.js'),
    import('./db/maintenance.js'),
  ]);

async function main() {
  // Holds the event loop open until the server listens. Whenever the loop runs out of work, Node
  // first waits for every task V8 runs in the background, here the optimizing compilation of
  // PGlite's WebAssembly module, started by PGlite.create: a fresh embedded start sat idle for
  // 0.3–0.9 s inside the migrator's import (a read of a few files) until that compilation ended
  // (issue 14, measured with strace: the main thread blocked on V8's platform, not on the read).
  // With a pending timer the loop never runs dry and the compilation finishes alongside.
  const holdLoop = setInterval(() => {}, 60_000);
  const config = loadConfig();
  // Asynchronous: a line per request written synchronously costs the event loop a write(2) per
  // request (a tenth of a millisecond and more on a loaded machine, measured in issue 12's load
  // run); written in the background, lines that arrive while a write is in flight leave together.
  // pino flushes what is left when the process exits; a kill -9 can lose the last lines.
  const log = pino({ level: config.logLevel, base: { service: 'waiwang' } }, pino.destination({ dest: 1, sync: false }));
  // Where a start's time goes (issue 14), logged with 'waiwang listening': performance.now()
  // counts from the process's start, so `load` is node, the launcher's bundle check and the
  // first modules' evaluation; `modules` the rest of them, while the database starts opening.
  const phases: Record<string, number> = { load: Math.round(performance.now()) };
  let mark = performance.now();
  const phase = (name: string) => {
    phases[name] = Math.round(performance.now() - mark);
    mark = performance.now();
  };
  const startedAt = performance.now();
  const opening = openServerDatabase(config, log);
  // Awaited below; handled now, so that a failure while the modules load is not an unhandled rejection.
  opening.catch(() => {});
  const [
    { serve },
    { createApp },
    { prepare },
    { Sealer },
    { TelemetryJob },
    { WorkflowJob },
    { RegistersJob },
    { WebhookDeliveryWorker },
    { pruneSessions },
    { Repeating },
    { Maintenance },
  ] = await loadServer();
  phase('modules');
  const database = await opening;
  phase('open');
  const { adminToken } = await prepare(database, config, log, phase);
  const sealer = new Sealer(database.db, config.auditAnchorPath, log, config.auditHash);
  sealer.start(config.auditSealIntervalMs);
  const telemetryJob = new TelemetryJob(database.db, config, { log });
  telemetryJob.start();
  const workflowJob = new WorkflowJob(database.db, config, { log });
  workflowJob.start();
  const registersJob = new RegistersJob(database.db, config, { log });
  registersJob.start();
  const webhookWorker = new WebhookDeliveryWorker(database.db, config, log);
  webhookWorker.start();
  // Ended web sessions nobody came back to, and login throttles a day old (access/sessions.ts).
  const sessionPruning = new Repeating('session pruning', () => pruneSessions(database.db, new Date()), log);
  sessionPruning.start(10 * 60_000);
  // VACUUM and ANALYZE where autovacuum does not run: always on PGlite (db/maintenance.ts).
  const maintenance = new Maintenance(database, log);
  maintenance.start(config.maintenanceIntervalMs);

  phase('jobs');
  const app = createApp({ database, config, log, now: () => new Date() });
  phase('app');
  const tls = config.tlsCert && config.tlsKey ? { cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) } : undefined;
  const server = serve(
    {
      fetch: app.fetch,
      port: config.port,
      hostname: config.host,
      ...(tls ? { createServer: createHttpsServer, serverOptions: tls } : {}),
    },
    (info) => {
      phase('listen');
      clearInterval(holdLoop);
      const base = `${tls ? 'https' : 'http'}://${config.host}:${info.port}`;
      log.info(
        { port: info.port, database: database.driver, startMs: Math.round(performance.now() - startedAt), phasesMs: phases, rssMiB: Math.round(process.memoryUsage().rss / 1048576) },
        'waiwang listening',
      );
      const lines = [
        `waiwang 外网 registry is serving (${database.driver === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL'})`,
        `  API:      ${base}/api/v1`,
        `  API docs: ${base}/docs`,
        `  web:      ${base}/`,
      ];
      if (adminToken) lines.push(`  admin token (shown once, keep it): ${adminToken}`);
      process.stdout.write(lines.join('\n') + '\n');
    },
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    server.close();
    await webhookWorker.stop();
    await telemetryJob.stop();
    await workflowJob.stop();
    await registersJob.stop();
    await sessionPruning.stop();
    await maintenance.stop();
    await sealer.stop();
    // A last pass seals what this process wrote, so verify finds nothing pending after a clean stop.
    await sealer.pass().catch((err) => log.warn({ err }, 'final audit seal failed'));
    await database.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`waiwang failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.LOG_LEVEL === 'debug') console.error(err);
  process.exit(1);
});
