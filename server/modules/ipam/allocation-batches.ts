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
  /** Sent with skipLocked, its parent was locked by another transaction: nothing was written. */
  busy?: true;
  /** What changed since the verb decided: nothing was written for this request. */
  stale?: 'parent' | 'units';
  created?: RawPrefix[] | null;
  /** Exhausted (created null): how many of `count` blocks had room, and the first free blocks. */
  room?: number;
  free?: string[];
}

/**
 * The requests in one statement, and so in one transaction, whatever `db` is. `skipLocked`: a
 * request whose parent another transaction holds locked is answered `busy` instead of waiting
 * (migration 0024).
 */
export async function allocateInOneStatement(db: Executor, requests: AllocationRequest[], skipLocked = false): Promise<AllocationOutcome[]> {
  const sent = skipLocked ? requests.map((r) => ({ ...r, skip_locked: true })) : requests;
  const [{ r }] = await rows<{ r: AllocationOutcome[] | string }>(db, sql`SELECT waiwang_allocate_prefixes(${JSON.stringify(sent)}::jsonb) AS r`);
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
 *
 * Two statements pipelined on a connection of their own: the one running and the next behind
 * it, which PostgreSQL starts as the first commits; one after the other on one backend, they
 * never wait for each other's locks, and they wait for no other transaction's either (a
 * request whose parent is locked comes back `busy` and waits on the pool instead, see
 * allocateBatched), lest the statement behind wait as long. With one statement at a time that
 * backend was busy 94-97 % of the wall time under 16 clients (its answers waiting for Node's
 * event loop, the next statement for the answer), and the allocations per second were its
 * batches' size over their round trip (test/bench/_lane.ts). Pipelined, in rounds of 16 clients × 200 allocations
 * alternated with the code before (test/bench/_ab.ts, two registries, own parents): 6 of 6
 * rounds faster twice over, medians 1,713 against 1,537 /s and 2,262 against 1,824 /s; three
 * statements gave the same rates (1,766 against 1,785 /s for two) for more of Node's CPU.
 */
const batchesOf = batchesPerDatabase(
  (connections) =>
    new StatementBatches<AllocationRequest, AllocationOutcome>((requests, on) => (on === 'own' ? allocateInOneStatement(connections.own(), requests, true) : allocateInOneStatement(connections.shared, requests)), {
      inFlight: 2,
      pipelined: true,
      largest: 64,
      order: (a, b) => a.parent - b.parent,
    }),
);

/** The allocation batches' statistics for `db` (StatementBatches.stats). */
export function allocationBatchStats(db: Db): StatementBatches<AllocationRequest, AllocationOutcome>['stats'] {
  return batchesOf(db).stats;
}

/**
 * The allocation through its database's batches (outside any transaction only). A request
 * whose parent another transaction holds (an approval, an import) waits for it alone, in a
 * statement on the pool, where the lane's statements would have waited with it.
 */
export async function allocateBatched(db: Db, request: AllocationRequest): Promise<AllocationOutcome> {
  const outcome = await batchesOf(db).run(request);
  return outcome.busy ? (await allocateInOneStatement(db, [request]))[0] : outcome;
}
