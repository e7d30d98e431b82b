import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

/** One request the server has not yet taken: what it is, where it goes, what it says. */
export interface SpoolItem {
  /** 'readings', 'device-check', …: for the logs, the metrics and the rejected/ file names. */
  kind: string;
  /** The API path it is POSTed to ('/api/v1/readings'). */
  path: string;
  body: unknown;
}

export interface SpoolEntry extends SpoolItem {
  seq: number;
  spooledAt: string;
}

interface SpoolState {
  /** Byte offset in spool.jsonl up to which entries were delivered (or set aside). */
  consumed: number;
  nextSeq: number;
  /** Entries dropped, oldest first, to keep the spool within its bound; never reset. */
  dropped: number;
  /** Entries the server refused (4xx), set aside in rejected/; never reset. */
  rejected: number;
}

export type SendOutcome = 'sent' | 'rejected' | 'unavailable';

/**
 * The append-only local spool: JSON lines in `<dir>/spool.jsonl`, each append fsync'd before it
 * returns, so what the agent measured while the server was away survives a crash or a restart.
 * Bounded: beyond `maxBytes` the oldest entries are dropped first and counted (`dropped`, kept in
 * state.json). Replayed in order; the server's idempotency (per device, ifName, at and per device,
 * method, at) makes a replay that resends an entry (a crash between the send and the cursor's
 * update) safe. What the server refuses (4xx) goes to `<dir>/rejected/` with its answer and is
 * never retried. Hand-written: no npm queue is both file-backed, fsync'd and bounded-by-bytes
 * with drop-oldest.
 */
export class Spool {
  private readonly file: string;
  private readonly stateFile: string;
  readonly rejectedDir: string;
  private state: SpoolState = { consumed: 0, nextSeq: 1, dropped: 0, rejected: 0 };
  private size = 0;
  private entries = 0;
  private lock: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly log?: Logger,
  ) {
    this.file = path.join(dir, 'spool.jsonl');
    this.stateFile = path.join(dir, 'state.json');
    this.rejectedDir = path.join(dir, 'rejected');
  }

  static async open(dir: string, options: { maxBytes?: number; log?: Logger } = {}): Promise<Spool> {
    const spool = new Spool(dir, options.maxBytes ?? 256 * 1024 * 1024, options.log);
    fs.mkdirSync(spool.rejectedDir, { recursive: true });
    try {
      spool.state = { ...spool.state, ...JSON.parse(fs.readFileSync(spool.stateFile, 'utf8')) };
    } catch {
      // No state yet (a new spool), or a torn write: the defaults; a replay from 0 resends, which is safe.
    }
    spool.size = fs.existsSync(spool.file) ? fs.statSync(spool.file).size : 0;
    spool.dropTornTail();
    if (spool.state.consumed > spool.size) spool.state.consumed = 0;
    spool.entries = 0;
    for await (const line of spool.lines(spool.state.consumed)) {
      if (line.entry) spool.entries++;
    }
    return spool;
  }

  /** A crash mid-append leaves a last line without its newline: never acknowledged, cut off before anything is appended after it. */
  private dropTornTail(): void {
    if (this.size === 0) return;
    const fd = fs.openSync(this.file, 'r+');
    try {
      const tail = Buffer.alloc(Math.min(this.size, 1 << 20));
      let end = this.size;
      for (;;) {
        const start = Math.max(0, end - tail.length);
        const n = fs.readSync(fd, tail, 0, end - start, start);
        const nl = tail.subarray(0, n).lastIndexOf(10);
        if (nl !== -1) {
          end = start + nl + 1;
          break;
        }
        if (start === 0) {
          end = 0;
          break;
        }
        end = start;
      }
      if (end !== this.size) {
        this.log?.warn({ bytes: this.size - end }, 'spool: cut off a torn last line');
        fs.ftruncateSync(fd, end);
        fs.fsyncSync(fd);
        this.size = end;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Entries waiting. */
  get depth(): number {
    return this.entries;
  }
  /** Bytes the waiting entries take. */
  get bytes(): number {
    return this.size - this.state.consumed;
  }
  get dropped(): number {
    return this.state.dropped;
  }
  get rejected(): number {
    return this.state.rejected;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Appends in order, fsync'd; drops the oldest entries first when the bound would be passed. */
  append(items: SpoolItem[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return this.exclusive(async () => {
      const now = new Date().toISOString();
      let lines = items.map((item) => `${JSON.stringify({ seq: this.state.nextSeq++, spooledAt: now, kind: item.kind, path: item.path, body: item.body } satisfies SpoolEntry)}\n`);
      let bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
      // A single append larger than the bound keeps its newest entries.
      while (lines.length > 0 && bytes > this.maxBytes) {
        bytes -= Buffer.byteLength(lines[0]);
        lines = lines.slice(1);
        this.state.dropped++;
      }
      const over = this.bytes + bytes - this.maxBytes;
      if (over > 0) await this.dropOldest(over);
      if (lines.length > 0) {
        const fd = fs.openSync(this.file, 'a');
        try {
          fs.writeSync(fd, lines.join(''));
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        this.size += bytes;
        this.entries += lines.length;
      }
      this.saveState(true);
    });
  }

  /**
   * Sends every waiting entry in order until one cannot be delivered (the server is away: the
   * rest wait for the next replay). `send` resolves 'sent', 'rejected' (the entry was set aside
   * with `reject`) or 'unavailable'.
   */
  replay(send: (entry: SpoolEntry) => Promise<SendOutcome>): Promise<{ sent: number; rejected: number; remaining: number }> {
    return this.exclusive(async () => {
      let sent = 0;
      let rejected = 0;
      for await (const line of this.lines(this.state.consumed)) {
        if (line.entry) {
          const outcome = await send(line.entry);
          if (outcome === 'unavailable') break;
          if (outcome === 'sent') sent++;
          else rejected++;
          this.entries--;
        }
        this.state.consumed = line.end;
        this.saveState(false);
      }
      this.compact();
      this.saveState(true);
      return { sent, rejected, remaining: this.entries };
    });
  }

  /** Sets an entry the server refused aside with the server's answer (never retried). */
  reject(entry: SpoolItem & { seq?: number }, status: number, answer: unknown): void {
    const seq = entry.seq ?? this.state.nextSeq++;
    this.state.rejected++;
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${seq}-${entry.kind}.json`;
    const file = path.join(this.rejectedDir, name);
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, `${JSON.stringify({ rejectedAt: new Date().toISOString(), status, answer, entry }, null, 2)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.saveState(true);
    this.log?.warn({ kind: entry.kind, status, file }, 'the server refused an entry: set aside in rejected/');
  }

  /** The waiting entries, oldest first (for tests and --once diagnostics). */
  async list(): Promise<SpoolEntry[]> {
    const found: SpoolEntry[] = [];
    for await (const line of this.lines(this.state.consumed)) if (line.entry) found.push(line.entry);
    return found;
  }

  private async dropOldest(bytes: number): Promise<void> {
    let offset = this.state.consumed;
    let dropped = 0;
    for await (const line of this.lines(this.state.consumed)) {
      if (offset - this.state.consumed >= bytes) break;
      offset = line.end;
      if (line.entry) dropped++;
    }
    this.state.consumed = offset;
    this.state.dropped += dropped;
    this.entries -= dropped;
    this.log?.warn({ dropped, totalDropped: this.state.dropped, maxBytes: this.maxBytes }, 'spool full: dropped the oldest entries');
    this.compact();
  }

  /** Rewrites the file without what was consumed (copy, fsync, rename), so it never grows without bound. */
  private compact(): void {
    if (this.state.consumed === 0) return;
    if (this.state.consumed >= this.size) {
      if (fs.existsSync(this.file)) fs.unlinkSync(this.file);
      this.size = 0;
      this.state.consumed = 0;
      return;
    }
    const tmp = `${this.file}.tmp`;
    const from = fs.openSync(this.file, 'r');
    const to = fs.openSync(tmp, 'w');
    try {
      const buffer = Buffer.alloc(1 << 20);
      let position = this.state.consumed;
      for (;;) {
        const n = fs.readSync(from, buffer, 0, buffer.length, position);
        if (n === 0) break;
        fs.writeSync(to, buffer, 0, n);
        position += n;
      }
      fs.fsyncSync(to);
    } finally {
      fs.closeSync(from);
      fs.closeSync(to);
    }
    fs.renameSync(tmp, this.file);
    this.size -= this.state.consumed;
    this.state.consumed = 0;
    // The state must follow the rename at once: a crash now replays from 0 of the new file.
    this.saveState(true);
  }

  private saveState(durable: boolean): void {
    const tmp = `${this.stateFile}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify(this.state));
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.stateFile);
  }

  /** The lines from a byte offset, with their end offsets; a torn or unreadable line is skipped (logged). */
  private async *lines(from: number): AsyncGenerator<{ entry: SpoolEntry | null; end: number }> {
    if (!fs.existsSync(this.file)) return;
    const fd = fs.openSync(this.file, 'r');
    try {
      const chunk = Buffer.alloc(1 << 20);
      let carry = Buffer.alloc(0);
      let position = from;
      let lineStart = from;
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, position);
        if (n === 0) break;
        position += n;
        let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let start = 0;
        for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
          const text = data.toString('utf8', start, nl);
          const end = lineStart + (nl - start) + 1;
          let entry: SpoolEntry | null = null;
          try {
            entry = JSON.parse(text) as SpoolEntry;
          } catch {
            this.log?.warn({ offset: lineStart }, 'spool: skipped an unreadable line');
          }
          yield { entry, end };
          lineStart = end;
          start = nl + 1;
        }
        carry = Buffer.from(data.subarray(start));
        data = Buffer.alloc(0);
      }
      // A last line without its newline is a torn append (a crash mid-write): never acknowledged, skipped.
      if (carry.length > 0) yield { entry: null, end: lineStart + carry.length };
    } finally {
      fs.closeSync(fd);
    }
  }
}
