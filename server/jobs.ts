import type { Logger } from 'pino';

/**
 * The shape of every background job in the server (audit sealing, webhook delivery, telemetry):
 * run one pass, wait, run the next — never two passes of one job at once, a failed pass logged
 * and retried at the next tick, and stop() waiting for the pass under way.
 */
export class Repeating {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly what: string,
    private readonly pass: () => Promise<unknown>,
    private readonly log?: Logger,
  ) {}

  start(intervalMs: number): void {
    const tick = () => {
      this.running = this.pass()
        .catch((err) => this.log?.error({ err }, `${this.what} failed; will retry`))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
