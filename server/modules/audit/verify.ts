import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { contentOf, genesis, nextChain, recomputeEntryHash, type StoredEntry } from './chain.js';
import { readAnchorFile, type Anchor, type AnchorProblem } from './sealer.js';

export interface BrokenAt {
  position: number;
  entryId: number | null;
  reason: 'altered' | 'deleted' | 'reordered' | 'anchor_mismatch' | 'missing_seal';
  detail: string;
}

/** Committed entries the sealer should have sealed by now (see sealDeadlineMs). */
export interface UnsealedOverdue {
  count: number;
  oldestEntryId: number;
  oldestAt: string;
  detail: string;
}

export interface Verification {
  /** True when the chain is whole, agrees with the anchors, no anchor line is damaged and no entry is overdue. */
  ok: boolean;
  entries: number;
  sealed: number;
  unsealed: number;
  head: string | null;
  firstBroken: BrokenAt | null;
  /** A damaged anchor line makes ok false; a torn last line (a crash mid-append) alone does not. */
  anchorProblem: AnchorProblem | null;
  unsealedOverdue: UnsealedOverdue | null;
}

/**
 * The sealer runs every second (WAIWANG_AUDIT_SEAL_MS): an entry written more than a minute
 * ago and still unsealed means the sealer is not running or cannot seal, and such an entry is
 * not yet protected by the chain.
 */
export const sealDeadlineMs = 60_000;

/** A seal and its entry (LEFT JOIN: id and at are null when the entry was deleted). */
interface SealedRow extends Omit<StoredEntry, 'id' | 'at'> {
  position: string | number;
  entry_id: string | number;
  chain: string;
  id: string | number | null;
  at: Date | string | null;
  hash: string | null;
  entry_hash: string | null;
}

const page = 5000;

/**
 * Walks the seal table in position order, recomputing every entry's hash and every chain link,
 * then compares the chain with the anchors kept outside the database. Reports the first
 * position where they part.
 */
export async function verifyChain(db: Executor, anchorPath: string, now: Date = new Date()): Promise<Verification> {
  const [counts] = await rows<{ entries: string | number; unsealed: string | number }>(
    db,
    sql`SELECT (SELECT count(*) FROM audit_entries) AS entries,
               (SELECT count(*) FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.entry_id = e.id)) AS unsealed`,
  );
  const unsealedOverdue = Number(counts.unsealed) > 0 ? await overdueEntries(db, new Date(now.getTime() - sealDeadlineMs)) : null;
  const chainAt = new Map<number, string>();
  const entryAt = new Map<number, number>();
  let previous = genesis;
  let expectedPosition = 1;
  let sealed = 0;
  let firstBroken: BrokenAt | null = null;
  let after = 0;
  for (;;) {
    const batch = await rows<SealedRow>(
      db,
      sql`SELECT s.position, s.entry_id, s.chain, e.id, e.at, e.actor, e.action, e.object_type AS "objectType", e.object_id AS "objectId",
                 e.before, e.after, e.request_id AS "requestId", e.hash, s.entry_hash
          FROM audit_seals s LEFT JOIN audit_entries e ON e.id = s.entry_id
          WHERE s.position > ${after} ORDER BY s.position LIMIT ${page}`,
    );
    if (batch.length === 0) break;
    for (const row of batch) {
      const position = Number(row.position);
      const entryId = Number(row.entry_id);
      after = position;
      sealed += 1;
      chainAt.set(position, row.chain);
      entryAt.set(position, entryId);
      if (firstBroken) continue;
      if (position !== expectedPosition) {
        firstBroken = { position: expectedPosition, entryId: null, reason: 'missing_seal', detail: `seal position ${expectedPosition} is missing` };
        continue;
      }
      expectedPosition += 1;
      if (row.id === null) {
        firstBroken = { position, entryId, reason: 'deleted', detail: `audit entry ${entryId}, sealed at position ${position}, has been deleted` };
        continue;
      }
      // An entry written without a hash was hashed by the sealer (audit/schema.ts).
      const hash = row.hash ?? row.entry_hash;
      if (hash === null || recomputeEntryHash(hash, contentOf({ ...row, id: row.id, at: row.at! })) !== hash) {
        firstBroken = { position, entryId, reason: 'altered', detail: `audit entry ${entryId} no longer matches its hash` };
        continue;
      }
      const expected = nextChain(previous, hash);
      if (expected !== row.chain) {
        firstBroken = {
          position,
          entryId,
          reason: 'reordered',
          detail: `the chain breaks at position ${position} (entry ${entryId}): entries were reordered, or a hash was rewritten`,
        };
        continue;
      }
      previous = row.chain;
    }
  }
  const anchorFile = readAnchorFile(anchorPath);
  if (!firstBroken) firstBroken = checkAnchors(anchorFile.anchors, chainAt, entryAt, sealed);
  return {
    ok: firstBroken === null && anchorFile.problem?.kind !== 'damaged' && unsealedOverdue === null,
    entries: Number(counts.entries),
    sealed,
    unsealed: Number(counts.unsealed),
    head: sealed ? chainAt.get(sealed) ?? null : null,
    firstBroken,
    anchorProblem: anchorFile.problem,
    unsealedOverdue,
  };
}

async function overdueEntries(db: Executor, cutoff: Date): Promise<UnsealedOverdue | null> {
  const [found] = await rows<{ count: string | number; oldest_id: string | number | null; oldest_at: Date | string | null }>(
    db,
    sql`SELECT count(*) AS count, min(e.id) AS oldest_id, min(e.at) AS oldest_at FROM audit_entries e
        WHERE e.at < ${cutoff.toISOString()}::timestamptz AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.entry_id = e.id)`,
  );
  const count = Number(found.count);
  if (count === 0) return null;
  const oldestAt = new Date(found.oldest_at as string).toISOString();
  return {
    count,
    oldestEntryId: Number(found.oldest_id),
    oldestAt,
    detail: `${count} audit entries written before ${cutoff.toISOString()} (the oldest at ${oldestAt}) are not sealed yet: is the sealer running on some server, and can it write the anchor file?`,
  };
}

function checkAnchors(anchors: Anchor[], chainAt: Map<number, string>, entryAt: Map<number, number>, sealed: number): BrokenAt | null {
  for (const anchor of anchors) {
    const chain = chainAt.get(anchor.position);
    if (chain === anchor.head) continue;
    if (anchor.position > sealed) {
      return {
        position: sealed + 1,
        entryId: null,
        reason: 'deleted',
        detail: `the anchors record ${anchor.position} sealed entries; the database has ${sealed}`,
      };
    }
    // The chain agrees with every earlier anchor, so the rewrite began inside this pass.
    return {
      position: anchor.from,
      entryId: entryAt.get(anchor.from) ?? null,
      reason: 'anchor_mismatch',
      detail: `the chain at position ${anchor.position} disagrees with the anchor written at ${anchor.at}: entries from position ${anchor.from} on were rewritten`,
    };
  }
  return null;
}
