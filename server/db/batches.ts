/**
 * Group commit, by hand (no library batches statements across requests like this): requests
 * of one kind that arrive while `inFlight` statements of that kind run wait, then go together
 * in the next statement, each with its own result (issue 14). On this kind of machine a
 * statement costs about as much in system calls (a socket write each way, a backend woken) as
 * in work, and a commit costs a WAL flush, so sixteen busy clients sharing statements spend a
 * fraction of both. A lone request goes at once, alone: an idle server adds no latency.
 *
 * `send` runs one batch as ONE statement, returning one result per item in order. When it
 * fails with an ERROR from the server, that statement's transaction was rolled back whole
 * (autocommit), and each item is sent again alone, so that only its own request hears its
 * error; any other failure (a lost connection, whose outcome is unknown) reaches every item.
 */
export class StatementBatches<Item, Result> {
  private readonly waiting: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly send: (items: Item[]) => Promise<Result[]>,
    private readonly options: { inFlight: number; largest: number; order?: (a: Item, b: Item) => number },
  ) {}

  run(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.options.inFlight && this.waiting.length) {
      const batch = this.waiting.splice(0, this.options.largest);
      // Array.prototype.sort is stable: equal items keep their order of arrival.
      if (this.options.order) batch.sort((a, b) => this.options.order!(a.item, b.item));
      this.running += 1;
      void this.sendBatch(batch).finally(() => {
        this.running -= 1;
        this.next();
      });
    }
  }

  private async sendBatch(batch: typeof this.waiting): Promise<void> {
    try {
      const results = await this.send(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (err) {
      if (batch.length === 1 || !rolledBack(err)) {
        for (const b of batch) b.reject(err);
        return;
      }
      await Promise.all(
        batch.map(async (b) => {
          try {
            b.resolve((await this.send([b.item]))[0]);
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

/** One StatementBatches per database (the request's ctx.db), made on first use. */
export function batchesPerDatabase<Db extends object, Item, Result>(make: (db: Db) => StatementBatches<Item, Result>): (db: Db) => StatementBatches<Item, Result> {
  const made = new WeakMap<Db, StatementBatches<Item, Result>>();
  return (db) => {
    let batches = made.get(db);
    if (!batches) made.set(db, (batches = make(db)));
    return batches;
  };
}
