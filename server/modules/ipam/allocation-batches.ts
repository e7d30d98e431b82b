import { sql } from 'drizzle-orm';
import { batchesPerDatabase, StatementBatches } from '../../db/batches.js';
import { rows, type Db, type Executor } from '../../db/client.js';
import type { RawPrefix } from './views.js';

/**
 * One allocation as waiwang_allocate_prefixes takes it (migration 0019): what to allocate, what
 * the verb decided on (the function allocates only if the locked rows still say the same), and
 * what its audit entries record.
 */
export interface AllocationRequest {
  parent: number;
  length: number;
  strategy: 'first' | 'best' | 'last';
  count: number;
  holder: string;
  status: 'allocated' | 'assigned' | 'reserved';
  description: string;
  /** ISO time of the request (ctx.now()): the audit entries' `at`, the parent's updated_at. */
  at: string;
  parent_holder: string;
  parent_status: string;
  holder_path: string;
  recipient_path: string;
  recipient_kind: string;
  actor: string;
  request_id: string | null;
  vrf: string;
  action: string;
}

/** One request's outcome (rows as JSON, int8 and numeric as text). */
export interface AllocationOutcome {
  /** What changed since the verb decided: nothing was written for this request. */
  stale?: 'parent' | 'units';
  created?: RawPrefix[] | null;
  /** Exhausted (created null): how many of `count` blocks had room, and the first free blocks. */
  room?: number;
  free?: string[];
}

/** The requests in one statement, and so in one transaction, whatever `db` is. */
export async function allocateInOneStatement(db: Executor, requests: AllocationRequest[]): Promise<AllocationOutcome[]> {
  const [{ r }] = await rows<{ r: AllocationOutcome[] | string }>(db, sql`SELECT waiwang_allocate_prefixes(${JSON.stringify(requests)}::jsonb) AS r`);
  return typeof r === 'string' ? JSON.parse(r) : r;
}

/**
 * Outside a transaction, allocations share statements (db/batches.ts). Under one parent this
 * is what keeps sixteen clients from queueing on its row lock one commit at a time (the lock is
 * held through each commit's WAL flush, and on two cores each hand-over waits for the next
 * backend to be scheduled); across parents it saves a round trip, a commit and a flush per
 * request. A batch is sorted by parent id, so two batches lock their parents in the same order
 * and cannot deadlock each other; a request that does not fit writes nothing and the others go
 * on (the function decides each alone).
 */
const batchesOf = batchesPerDatabase(
  (db: Executor) =>
    new StatementBatches<AllocationRequest, AllocationOutcome>((requests) => allocateInOneStatement(db, requests), {
      inFlight: 1,
      largest: 64,
      order: (a, b) => a.parent - b.parent,
    }),
);

/** The allocation through its database's batches (outside any transaction only). */
export function allocateBatched(db: Db, request: AllocationRequest): Promise<AllocationOutcome> {
  return batchesOf(db).run(request);
}
