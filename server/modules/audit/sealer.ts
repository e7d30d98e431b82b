import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { rows, type Db } from '../../db/client.js';
import { contentOf, entryHash, genesis, nextChain, type HashAlgorithm, type StoredEntry } from './chain.js';
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
 *
 * Which entries can still be unsealed? Neither the id nor `at` tells: PostgreSQL hands out
 * sequence values before commit, so a long transaction (a big import) commits an entry with a
 * lower id than entries sealed meanwhile, and `at` is a server's clock, written at the start.
 * Each entry records its writing transaction (`xact_id`, pg_current_xact_id()). Every
 * transaction below the xmin of a snapshot had ended when the snapshot was taken (committed
 * or rolled back), so a pass that reads that snapshot's xmin first and then seals everything
 * visible leaves nothing unsealed below it; the next pass need only look at entries from that
 * horizon on. The horizon lives in memory: the first pass of a process looks at every entry
 * (once), and a database restored elsewhere, whose transaction ids count differently, is
 * still scanned safely.
 */
export class Sealer {
  private readonly schedule: Repeating;
  /** Every entry written by a transaction below this id is sealed (see above). */
  private horizon?: string;

  constructor(
    private readonly db: Db,
    private readonly anchorPath: string,
    private readonly log?: Logger,
    /** For the entries written without a hash (audit/schema.ts): WAIWANG_AUDIT_HASH. */
    private readonly algorithm: HashAlgorithm = 'sm3',
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
    const since = this.horizon;
    const result = await this.db.transaction(async (tx) => {
      const [{ locked }] = await rows<{ locked: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${sealLockKey}) AS locked`);
      if (!locked) return null;
      // Read before the entries, in an earlier snapshot: what ended before it is visible below.
      const [{ horizon }] = await rows<{ horizon: string }>(tx, sql`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`);
      const [last] = await rows<{ position: string | number; chain: string }>(
        tx,
        sql`SELECT position, chain FROM audit_seals ORDER BY position DESC LIMIT 1`,
      );
      let position = last ? Number(last.position) : 0;
      let chain = last ? last.chain : genesis;
      // An entry written inside a database function has no hash yet: hashed here, from what
      // was committed (its content only for those), a second after its commit.
      const pending = await rows<PendingEntry>(
        tx,
        sql`SELECT e.id, e.hash, e.at, e.actor, e.action, e.object_type AS "objectType", e.object_id AS "objectId", e.request_id AS "requestId",
                   CASE WHEN e.hash IS NULL THEN e.before END AS before, CASE WHEN e.hash IS NULL THEN e.after END AS after
            FROM audit_entries e
            WHERE ${since ? sql`e.xact_id >= ${since}::xid8` : sql`TRUE`}
              AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.entry_id = e.id)
            ORDER BY e.id LIMIT ${maxPerPass}`,
      );
      if (pending.length === 0) return { sealed: 0, position, head: chain, from: position + 1, horizon };
      const from = position + 1;
      const values = pending.map((entry) => {
        position += 1;
        const computed = entry.hash === null ? entryHash(this.algorithm, contentOf(entry)) : null;
        chain = nextChain(chain, entry.hash ?? computed!);
        return sql`(${position}, ${Number(entry.id)}, ${chain}, ${computed})`;
      });
      await tx.execute(sql`INSERT INTO audit_seals (position, entry_id, chain, entry_hash) VALUES ${sql.join(values, sql`, `)}`);
      return { sealed: pending.length, position, head: chain, from, horizon };
    });
    if (!result) return null;
    // A full batch means more may wait below the new horizon: keep the old one.
    if (result.sealed < maxPerPass) this.horizon = result.horizon;
    if (result.sealed > 0) {
      const anchor: Anchor = { position: result.position, head: result.head, at: new Date().toISOString(), from: result.from };
      appendAnchor(this.anchorPath, anchor, this.log);
      this.log?.info({ audit: { anchor } }, 'audit entries sealed');
    }
    return { sealed: result.sealed, position: result.position, head: result.head };
  }
}

interface PendingEntry extends StoredEntry {
  hash: string | null;
}

/**
 * The anchor file is only ever appended to (it may be chattr +a or on WORM storage). A crash
 * in the middle of an append leaves a last line without its newline: before the next anchor,
 * that torn line is ended and followed by a repair record naming it, so verify can tell an
 * acknowledged crash from a line damaged later.
 */
function appendAnchor(file: string, anchor: Anchor, log?: Logger): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a+');
  try {
    let text = JSON.stringify(anchor) + '\n';
    const size = fs.fstatSync(fd).size;
    if (size > 0) {
      const lastByte = Buffer.alloc(1);
      fs.readSync(fd, lastByte, 0, 1, size - 1);
      if (lastByte[0] !== 0x0a) {
        const line = fs.readFileSync(file, 'utf8').split('\n').length;
        const repair: AnchorRepair = { repair: 'torn_tail', line, at: new Date().toISOString() };
        text = '\n' + JSON.stringify(repair) + '\n' + text;
        log?.warn({ audit: { anchorFile: file, tornLine: line } }, 'the anchor file ended in a torn line (a crash while appending); ended it and noted the repair');
      }
    }
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Written after a torn line: `line` is the torn one, the line right before this record. */
export interface AnchorRepair {
  repair: 'torn_tail';
  line: number;
  at: string;
}

export interface AnchorProblem {
  /** 1-based line number in the anchor file. */
  line: number;
  /** damaged: a complete line that is no anchor (altered, or garbage); torn_tail: the last line lacks its end (a crash mid-append). */
  kind: 'damaged' | 'torn_tail';
  detail: string;
}

function isAnchor(value: unknown): value is Anchor {
  const a = value as Anchor;
  return (
    typeof a === 'object' &&
    a !== null &&
    Number.isSafeInteger(a.position) &&
    a.position > 0 &&
    Number.isSafeInteger(a.from) &&
    a.from > 0 &&
    a.from <= a.position &&
    typeof a.head === 'string' &&
    typeof a.at === 'string'
  );
}

function isRepair(value: unknown, line: number): boolean {
  const r = value as AnchorRepair;
  return typeof r === 'object' && r !== null && r.repair === 'torn_tail' && r.line === line - 1;
}

/**
 * The anchors of the file and its first problem: a damaged complete line (unless a repair
 * record right after it says it was torn by a crash), else a torn last line.
 */
export function readAnchorFile(file: string): { anchors: Anchor[]; problem: AnchorProblem | null } {
  if (!fs.existsSync(file)) return { anchors: [], problem: null };
  const text = fs.readFileSync(file, 'utf8');
  if (text === '') return { anchors: [], problem: null };
  const lines = text.split('\n');
  const tail = lines.pop()!;
  const anchors: Anchor[] = [];
  const damaged: number[] = [];
  const repaired = new Set<number>();
  lines.forEach((line, i) => {
    const number = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      damaged.push(number);
      return;
    }
    if (isAnchor(value)) anchors.push(value);
    else if (isRepair(value, number)) repaired.add(number - 1);
    else damaged.push(number);
  });
  const first = damaged.find((n) => !repaired.has(n));
  if (first !== undefined) {
    return { anchors, problem: { line: first, kind: 'damaged', detail: `line ${first} of the anchor file is not an anchor: it was altered or damaged` } };
  }
  if (tail !== '') {
    const line = lines.length + 1;
    return {
      anchors,
      problem: { line, kind: 'torn_tail', detail: `line ${line} of the anchor file, the last, is incomplete (a crash while appending); the next sealing pass ends it and notes the repair` },
    };
  }
  return { anchors, problem: null };
}

/** The anchors of the file, skipping lines that are none (see readAnchorFile for those). */
export function readAnchors(file: string): Anchor[] {
  return readAnchorFile(file).anchors;
}
