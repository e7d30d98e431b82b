import { batchDatabaseOf, ownConnectionOf, type Executor } from './client.js';

/** How StatementBatches groups one kind of statement. */
export interface BatchOptions<Item> {
  /** Statements of this kind that run at once while none is stalled. */
  inFlight: number;
  /** Items in one statement at most. */
  largest: number;
  /** The order of the items in a statement (allocations: by parent, so batches lock in one order). */
  order?: (a: Item, b: Item) => number;
  /**
   * A statement still running after this long (a row lock held by a long transaction, an
   * import) no longer counts against `inFlight`, up to `stalledInFlight` more, so the requests
   * behind it go on in statements of their own instead of waiting for it. 50 ms unless set.
   */
  stalledAfterMs?: number;
  /** How many stalled statements may run beside `inFlight`; 3 unless set. */
  stalledInFlight?: number;
  /**
   * The statements go on one connection of their own, the `inFlight` of them one behind the
   * other (see StatementBatches): PostgreSQL starts the next as the one before it commits,
   * instead of idling until Node has read that one's answer and sent another. While one of them
   * is stalled, which holds up those behind it on that connection, the next go beside it on
   * the shared connections.
   */
  pipelined?: boolean;
}

/** Where `send` runs a statement: the kind's own connection (`pipelined`) or the shared ones. */
export type StatementConnection = 'own' | 'shared';

/**
 * Group commit, by hand (no library batches statements across requests like this): requests
 * of one kind that arrive while `inFlight` statements of that kind run wait, then go together
 * in the next statement, each with its own result (issue 14). On this kind of machine a
 * statement costs about as much in system calls (a socket write each way, a backend woken) as
 * in work, and a commit costs a WAL flush, so sixteen busy clients sharing statements spend a
 * fraction of both. A lone request goes at once, alone: an idle server adds no latency.
 * One statement of a kind in flight made the largest batches and spent the least CPU, on both
 * sides, per request (16 clients allocating, 2 cores: 0.52-0.54 ms of Node and 0.39-0.40 of
 * PostgreSQL against 0.55 and 0.42-0.43 with two in flight on two connections); a stalled
 * statement (see stalledAfterMs) lets others past it, so one blocked batch cannot hold up every
 * request. A kind whose one statement keeps its backend busy nearly all the time (allocations
 * under load: 94-97 % of the wall time, and that backend the whole throughput) pipelines its
 * statements on a connection of its own instead (`pipelined`): the backend then waits neither
 * for Node to be scheduled and read an answer nor for the next statement to cross the socket.
 *
 * `send` runs one batch as ONE statement on the connection it is told, returning one result per
 * item in order. When it fails with an ERROR from the server, that statement's transaction was
 * rolled back whole (autocommit), and each item is sent again alone, so that only its own
 * request hears its error; any other failure (a lost connection, whose outcome is unknown)
 * reaches every item.
 */
export class StatementBatches<Item, Result> {
  private readonly waiting: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;
  private stalled = 0;
  /** Stalled statements on the kind's own connection (`pipelined`). */
  private stalledOwn = 0;
  private busySince = 0;
  /**
   * Since start: statements sent, the items they carried, and the ms during which at least one
   * ran (test/bench/_lane.ts reads how busy a kind keeps its backend).
   */
  readonly stats = { statements: 0, items: 0, busyMs: 0 };

  constructor(
    private readonly send: (items: Item[], on: StatementConnection) => Promise<Result[]>,
    private readonly options: BatchOptions<Item>,
  ) {}

  run(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    const { inFlight, largest, order, stalledAfterMs = 50, stalledInFlight = 3 } = this.options;
    while (this.running - this.stalled < inFlight && this.running < inFlight + stalledInFlight && this.waiting.length) {
      const batch = this.waiting.splice(0, largest);
      // Array.prototype.sort is stable: equal items keep their order of arrival.
      if (order) batch.sort((a, b) => order(a.item, b.item));
      // Behind a stalled statement on the own connection a statement would wait as long.
      const on: StatementConnection = this.options.pipelined && this.stalledOwn === 0 ? 'own' : 'shared';
      if (this.running === 0) this.busySince = performance.now();
      this.running += 1;
      this.stats.statements += 1;
      this.stats.items += batch.length;
      let stalled = false;
      const watch = setTimeout(() => {
        stalled = true;
        this.stalled += 1;
        if (on === 'own') this.stalledOwn += 1;
        this.next();
      }, stalledAfterMs);
      // A watch must not keep a finished process alive.
      watch.unref();
      void this.sendBatch(batch, on).finally(() => {
        clearTimeout(watch);
        this.running -= 1;
        if (this.running === 0) this.stats.busyMs += performance.now() - this.busySince;
        if (stalled) {
          this.stalled -= 1;
          if (on === 'own') this.stalledOwn -= 1;
        }
        this.next();
      });
    }
  }

  private async sendBatch(batch: typeof this.waiting, on: StatementConnection): Promise<void> {
    try {
      const results = await this.send(batch.map((b) => b.item), on);
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (err) {
      if (batch.length === 1 || !rolledBack(err)) {
        for (const b of batch) b.reject(err);
        return;
      }
      await Promise.all(
        batch.map(async (b) => {
          try {
            b.resolve((await this.send([b.item], on))[0]);
          } catch (alone) {
            b.reject(alone);
          }
        }),
      );
    }
  }
}

/** The server answered ERROR (not FATAL, not a lost connection): the statement was rolled back. */
function rolledBack(err: unknown): boolean {
  const e = err as { severity?: string; cause?: { severity?: string } };
  return (e.severity ?? e.cause?.severity) === 'ERROR';
}

/** Where one kind's statements run: the database's batch connections, and its own connection. */
export interface BatchConnections {
  shared: Executor;
  /** Opened on first use (pipelined kinds only); PGlite: `shared`, the one connection. */
  own(): Executor;
}

/**
 * One StatementBatches per database (the request's ctx.db), made on first use; its statements
 * run on the database's batch connections (client.ts, batchDatabaseOf) and, if it pipelines,
 * on a connection of its own (ownConnectionOf).
 */
export function batchesPerDatabase<Item, Result>(make: (connections: BatchConnections) => StatementBatches<Item, Result>): (db: Executor) => StatementBatches<Item, Result> {
  const made = new WeakMap<Executor, StatementBatches<Item, Result>>();
  return (db) => {
    let batches = made.get(db);
    if (!batches) {
      let own: Executor | undefined;
      made.set(db, (batches = make({ shared: batchDatabaseOf(db), own: () => (own ??= ownConnectionOf(db)) })));
    }
    return batches;
  };
}
