import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/client.js';
import { genesis, nextChain, recomputeEntryHash } from './chain.js';
import { readAnchors } from './sealer.js';

export interface BrokenAt {
  position: number;
  entryId: number | null;
  reason: 'altered' | 'deleted' | 'reordered' | 'anchor_mismatch' | 'missing_seal';
  detail: string;
}

export interface Verification {
  ok: boolean;
  entries: number;
  sealed: number;
  unsealed: number;
  head: string | null;
  firstBroken: BrokenAt | null;
}

interface SealedRow {
  position: string | number;
  entry_id: string | number;
  chain: string;
  id: string | number | null;
  at: Date | string | null;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
  hash: string | null;
}

const page = 5000;

/**
 * Walks the seal table in position order, recomputing every entry's hash and every chain link,
 * then compares the chain with the anchors kept outside the database. Reports the first
 * position where they part.
 */
export async function verifyChain(db: Executor, anchorPath: string): Promise<Verification> {
  const [counts] = await rows<{ entries: string | number; unsealed: string | number }>(
    db,
    sql`SELECT (SELECT count(*) FROM audit_entries) AS entries,
               (SELECT count(*) FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.entry_id = e.id)) AS unsealed`,
  );
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
      sql`SELECT s.position, s.entry_id, s.chain, e.id, e.at, e.actor, e.action, e.object_type, e.object_id,
                 e.before, e.after, e.request_id, e.hash
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
      if (row.id === null || row.hash === null) {
        firstBroken = { position, entryId, reason: 'deleted', detail: `audit entry ${entryId}, sealed at position ${position}, has been deleted` };
        continue;
      }
      const recomputed = recomputeEntryHash(row.hash, {
        id: Number(row.id),
        at: new Date(row.at as string).toISOString(),
        actor: row.actor,
        action: row.action,
        objectType: row.object_type,
        objectId: row.object_id,
        before: parseJson(row.before),
        after: parseJson(row.after),
        requestId: row.request_id,
      });
      if (recomputed !== row.hash) {
        firstBroken = { position, entryId, reason: 'altered', detail: `audit entry ${entryId} no longer matches its hash` };
        continue;
      }
      const expected = nextChain(previous, row.hash);
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
  if (!firstBroken) firstBroken = checkAnchors(anchorPath, chainAt, entryAt, sealed);
  return {
    ok: firstBroken === null,
    entries: Number(counts.entries),
    sealed,
    unsealed: Number(counts.unsealed),
    head: sealed ? chainAt.get(sealed) ?? null : null,
    firstBroken,
  };
}

/** jsonb arrives parsed from postgres.js and PGlite alike, but be strict about strings. */
function parseJson(value: unknown): unknown {
  return value === undefined ? null : value;
}

function checkAnchors(anchorPath: string, chainAt: Map<number, string>, entryAt: Map<number, number>, sealed: number): BrokenAt | null {
  for (const anchor of readAnchors(anchorPath)) {
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
