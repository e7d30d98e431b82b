import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The agent's metrics (Prometheus names under waiwang_agent_), on a registry of its own. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly cycleSeconds: Histogram;
  readonly lastCycleSeconds: Gauge;
  readonly devices: Gauge;
  readonly devicesFailed: Gauge;
  readonly spoolDepth: Gauge;
  readonly spoolBytes: Gauge;
  readonly spoolDropped: Gauge;
  readonly rejected: Gauge;
  readonly delivered: Counter;

  constructor(agent: string) {
    this.registry.setDefaultLabels({ agent });
    collectDefaultMetrics({ register: this.registry, prefix: 'waiwang_agent_' });
    const registers = [this.registry];
    this.cycleSeconds = new Histogram({ name: 'waiwang_agent_cycle_seconds', help: 'wall time of a polling cycle', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers });
    this.lastCycleSeconds = new Gauge({ name: 'waiwang_agent_last_cycle_seconds', help: 'wall time of the last polling cycle', registers });
    this.devices = new Gauge({ name: 'waiwang_agent_devices', help: 'devices polled in the last cycle', registers });
    this.devicesFailed = new Gauge({ name: 'waiwang_agent_devices_failed', help: 'devices that failed in the last cycle (unreachable, refused, errors)', registers });
    this.spoolDepth = new Gauge({ name: 'waiwang_agent_spool_depth', help: 'entries waiting in the spool', registers });
    this.spoolBytes = new Gauge({ name: 'waiwang_agent_spool_bytes', help: 'bytes waiting in the spool', registers });
    this.spoolDropped = new Gauge({ name: 'waiwang_agent_spool_dropped_total', help: 'entries dropped (oldest first) to keep the spool within its bound', registers });
    this.rejected = new Gauge({ name: 'waiwang_agent_rejected_total', help: 'entries the server refused (4xx), set aside in rejected/', registers });
    this.delivered = new Counter({ name: 'waiwang_agent_delivered_total', help: 'entries the server took, by kind', labelNames: ['kind'], registers });
  }

  /** Serves GET /metrics; resolves with the port (0 picks a free one). */
  serve(port: number, host = '127.0.0.1'): Promise<{ port: number; close: () => Promise<void> }> {
    const server = http.createServer(async (req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(await this.registry.metrics());
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('only /metrics here\n');
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        resolve({ port: (server.address() as AddressInfo).port, close: () => new Promise<void>((done) => server.close(() => done())) });
      });
    });
  }
}
