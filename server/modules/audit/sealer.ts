import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { rows, type Db } from '../../db/client.js';
import { genesis, nextChain } from './chain.js';
import { Repeating } from '../../jobs.js';

/** Arbitrary but fixed: the advisory lock that lets one server at a time seal. */
export const sealLockKey = 4_500_000_001;
const maxPerPass = 20_000;

export interface SealResult {
  sealed: number;
  position: number;
  head: string;
}

export interface Anchor {
  position: number;
  head: string;
  at: string;
  /** The first position this pass sealed: an anchor disagreeing narrows the damage to from..position. */
  from: number;
}

/**
 * Chains committed entries in the order it seals them. Writers never read or extend a chain
 * head (that would queue every write behind one row); an entry whose transaction commits late
 * is simply sealed in a later pass. Each pass ends by appending (position, head) to an anchor
 * file outside the database, so rewriting the database alone is detected.
 */
export class Sealer {
  private readonly schedule: Repeating;
  /** After the first full pass, only recent entries can still be unsealed (see pass()). */
  private scannedSince?: Date;

  constructor(
    private readonly db: Db,
    private readonly anchorPath: string,
    private readonly log?: Logger,
  ) {
    this.schedule = new Repeating('audit sealing', () => this.pass(), log);
  }

  start(intervalMs: number): void {
    this.schedule.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  /** One pass; returns null when another server holds the sealing lock. */
  async pass(): Promise<SealResult | null> {
    const passStarted = new Date();
    // A transaction commits within minutes of writing its entry's `at`; older entries were
    // all seen by an earlier pass of this process, so they need not be rescanned.
    const since = this.scannedSince ? new Date(this.scannedSince.getTime() - 10 * 60_000) : null;
    const result = await this.db.transaction(async (tx) => {
      const [{ locked }] = await rows<{ locked: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${sealLockKey}) AS locked`);
      if (!locked) return null;
      const [last] = await rows<{ position: string | number; chain: string }>(
        tx,
        sql`SELECT position, chain FROM audit_seals ORDER BY position DESC LIMIT 1`,
      );
      let position = last ? Number(last.position) : 0;
      let chain = last ? last.chain : genesis;
      const pending = await rows<{ id: string | number; hash: string }>(
        tx,
        sql`SELECT e.id, e.hash FROM audit_entries e
            WHERE ${since ? sql`e.at >= ${since.toISOString()}` : sql`TRUE`}
              AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.entry_id = e.id)
            ORDER BY e.id LIMIT ${maxPerPass}`,
      );
      if (pending.length === 0) return { sealed: 0, position, head: chain, from: position + 1 };
      const from = position + 1;
      const values = pending.map((entry) => {
        position += 1;
        chain = nextChain(chain, entry.hash);
        return sql`(${position}, ${Number(entry.id)}, ${chain})`;
      });
      await tx.execute(sql`INSERT INTO audit_seals (position, entry_id, chain) VALUES ${sql.join(values, sql`, `)}`);
      return { sealed: pending.length, position, head: chain, from };
    });
    if (!result) return null;
    // A full batch means more may wait: keep the window where it was.
    if (result.sealed < maxPerPass) this.scannedSince = passStarted;
    if (result.sealed > 0) {
      const anchor: Anchor = { position: result.position, head: result.head, at: new Date().toISOString(), from: result.from };
      appendAnchor(this.anchorPath, anchor);
      this.log?.info({ audit: { anchor } }, 'audit entries sealed');
    }
    return { sealed: result.sealed, position: result.position, head: result.head };
  }
}

function appendAnchor(file: string, anchor: Anchor): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, JSON.stringify(anchor) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function readAnchors(file: string): Anchor[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Anchor);
}
