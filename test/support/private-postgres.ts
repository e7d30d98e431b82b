/**
 * A PostgreSQL cluster of the test's own (initdb into a temporary directory, pg_ctl on a free
 * port of 127.0.0.1), for tests that stop and start the database server: the shared one on 5432
 * serves every other test and engineer and must never be stopped. As scripts/ensure-postgres.sh
 * makes its throwaway cluster: as the postgres user when we are root (initdb refuses root).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { freePort } from './ports.js';

export interface PrivatePostgres {
  port: number;
  /** A connection URL for a database of this cluster (default: postgres). */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  /** pg_ctl stop: `fast` ends sessions cleanly, `immediate` is a crash of PostgreSQL itself. */
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  destroy(): void;
  log(): string;
}

/** The newest installed PostgreSQL's bin directory, or undefined when none is installed. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')));
  versions.sort((a, b) => Number(a) - Number(b));
  return versions.length ? path.join(root, versions[versions.length - 1], 'bin') : undefined;
}

const asRoot = process.getuid?.() === 0;

function asOwner(command: string, args: string[]): string {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL under /usr/lib/postgresql: run scripts/ensure-packages.sh postgresql');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-res-pg-'));
  fs.chmodSync(dir, 0o755);
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  asOwner(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const cluster: PrivatePostgres = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      const sql = postgres(cluster.url(), { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`CREATE DATABASE ${name}`);
      } finally {
        await sql.end({ timeout: 5 });
      }
      return cluster.url(name);
    },
    stop(mode = 'fast') {
      asOwner(path.join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
    },
    start() {
      asOwner(path.join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', options, 'start']);
    },
    destroy() {
      try {
        cluster.stop('immediate');
      } catch {
        /* not running */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
  };
  cluster.start();
  return cluster;
}
