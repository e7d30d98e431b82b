import type { Logger } from 'pino';

/** The server did not answer usefully (network error, timeout, 5xx) after the retries: spool and try later. */
export class ServerUnavailable extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** The server refused the request for good (4xx): the body is its problem+json answer. */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly answer: unknown,
  ) {
    super(`the server refused it: ${status} ${typeof answer === 'object' && answer && 'detail' in answer ? String((answer as { detail: unknown }).detail) : JSON.stringify(answer)}`);
  }
}

export interface ClientOptions {
  server: string;
  token: string;
  timeoutMs?: number;
  /** Retries after the first attempt, on network errors and 5xx (4xx is permanent). */
  retries?: number;
  /** The first backoff; doubled per retry, with ±50 % jitter. */
  backoffMs?: number;
  log?: Logger;
  fetch?: typeof fetch;
}

/** The parts of an agent target an agent reads (sites/inputs.ts targetSchema). */
export interface AgentTarget {
  id: string;
  hostname: string;
  role: string;
  vendor: string;
  dialect: string | null;
  model: string;
  serial: string;
  mgmtAddress: string | null;
  methods: ('snmp' | 'ssh')[];
  leased: boolean;
  interfaces: { name: string; address: string | null; link: { id: string; end: 'a' | 'z'; capacityMbps: number } | null }[];
  snmp?: {
    version: '2c' | '3';
    port: number;
    community?: string;
    user?: string;
    authProtocol?: string;
    authKey?: string;
    privProtocol?: string;
    privKey?: string;
  } | null;
  ssh?: { port: number; username: string | null; password?: string; privateKey?: string; passphrase?: string; hostKeySha256: string | null; [more: string]: unknown } | null;
}

export interface AgentTargets {
  agent: string;
  method: 'snmp' | 'ssh' | null;
  leaseExpiresAt: string | null;
  /** The server's polling interval (absent from servers before it was added). */
  pollIntervalSeconds?: number;
  items: AgentTarget[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The agent's side of the HTTP contract (../shared/API.md): bearer token, JSON, problem+json refusals. */
export class ApiClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.base = options.server.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
    this.fetch = options.fetch ?? fetch;
  }

  /**
   * One request with retries: network errors, timeouts and 5xx are retried with exponential
   * backoff, then ServerUnavailable; a 4xx is Refused at once (retrying cannot change it).
   */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let last: ServerUnavailable | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(this.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      let response: Response;
      try {
        response = await this.fetch(`${this.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        const { cause: why, name, message } = err as { cause?: { code?: string; message?: string }; name: string; message: string };
        const cause = why?.code ?? why?.message ?? (name === 'TimeoutError' ? name : message);
        last = new ServerUnavailable(`${method} ${path}: ${cause === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : `cannot reach ${this.base} (${cause})`}`, null);
        this.options.log?.warn({ attempt, err: last.message }, 'server request failed');
        continue;
      }
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // Not JSON (a proxy's error page): kept as text.
      }
      if (response.ok) return parsed as T;
      if (response.status >= 500 || response.status === 429) {
        last = new ServerUnavailable(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`, response.status);
        this.options.log?.warn({ attempt, status: response.status }, 'server answered with an error; retrying');
        continue;
      }
      throw new Refused(response.status, parsed);
    }
    throw last!;
  }

  /** The agent's devices for a method, with their credentials; with `lease`, also unassigned devices of its subtree it leases for that long. */
  targets(method: 'snmp' | 'ssh', options: { lease?: number | null; max?: number } = {}): Promise<AgentTargets> {
    const lease = options.lease ? `&lease=${Math.round(options.lease)}&max=${options.max ?? 100}` : '';
    return this.request<AgentTargets>('GET', `/api/v1/agent/targets?method=${method}${lease}`);
  }

  post<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
}
