import type { Logger } from 'pino';
import { Refused, ServerUnavailable, type ApiClient } from './client.js';
import type { AgentMetrics } from './metrics.js';
import type { SendOutcome, Spool, SpoolItem } from './spool.js';

export type Delivery = { status: 'sent'; answer: unknown } | { status: 'spooled' } | { status: 'rejected'; httpStatus: number; answer: unknown };

/**
 * Where an agent's results go: straight to the server while it answers and nothing waits in the
 * spool; into the spool, in order, when it does not (or when older entries still wait, which go
 * first). A 4xx is the server's final word on that entry: set aside in rejected/, counted, never
 * retried. Generic over what is sent (readings, device checks): an item names its path.
 */
export class Outbox {
  constructor(
    private readonly client: ApiClient,
    readonly spool: Spool,
    private readonly options: { metrics?: AgentMetrics; log?: Logger } = {},
  ) {}

  /** Delivers in order; returns one Delivery per item. */
  async deliver(items: SpoolItem[]): Promise<Delivery[]> {
    const results: Delivery[] = [];
    if (this.spool.depth > 0) await this.flush();
    if (this.spool.depth > 0) {
      await this.spool.append(items);
      this.gauge();
      return items.map(() => ({ status: 'spooled' }));
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      try {
        const answer = await this.client.post(item.path, item.body);
        this.options.metrics?.delivered.inc({ kind: item.kind });
        results.push({ status: 'sent', answer });
      } catch (err) {
        if (err instanceof Refused) {
          this.spool.reject(item, err.status, err.answer);
          results.push({ status: 'rejected', httpStatus: err.status, answer: err.answer });
          continue;
        }
        if (!(err instanceof ServerUnavailable)) throw err;
        const rest = items.slice(i);
        this.options.log?.warn({ err: err.message, spooled: rest.length }, 'server unavailable: spooling');
        await this.spool.append(rest);
        for (let j = i; j < items.length; j++) results.push({ status: 'spooled' });
        break;
      }
    }
    this.gauge();
    return results;
  }

  /** Replays the spool in order until it is empty or the server stops answering. */
  async flush(): Promise<{ sent: number; rejected: number; remaining: number }> {
    if (this.spool.depth === 0) return { sent: 0, rejected: 0, remaining: 0 };
    const outcome = await this.spool.replay(async (entry): Promise<SendOutcome> => {
      try {
        await this.client.post(entry.path, entry.body);
        this.options.metrics?.delivered.inc({ kind: entry.kind });
        return 'sent';
      } catch (err) {
        if (err instanceof Refused) {
          this.spool.reject(entry, err.status, err.answer);
          return 'rejected';
        }
        if (err instanceof ServerUnavailable) return 'unavailable';
        throw err;
      }
    });
    if (outcome.sent || outcome.rejected) this.options.log?.info(outcome, 'spool replayed');
    this.gauge();
    return outcome;
  }

  private gauge(): void {
    const m = this.options.metrics;
    if (!m) return;
    m.spoolDepth.set(this.spool.depth);
    m.spoolBytes.set(this.spool.bytes);
    m.spoolDropped.set(this.spool.dropped);
    m.rejected.set(this.spool.rejected);
  }
}
