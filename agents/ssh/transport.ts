/**
 * SSH to a network device, knowing no vendor: the caller gives the prompt and pager patterns.
 *
 * - The host key is checked against the pinned `SHA256:<base64>` in ssh2's `hostVerifier`, which
 *   runs during key exchange, before user authentication: on a mismatch no credential is sent.
 * - An interactive shell on a PTY by default (most network devices refuse exec): output is read
 *   until the unfinished last line matches the prompt; the echoed command is dropped; a pager
 *   still shown is answered.
 * - Legacy algorithms (SHA-1 key exchange, `ssh-rsa` host-key signatures, CBC ciphers) are
 *   offered only when the caller allows them for this device; they are removed otherwise
 *   (ssh2 1.17 offers `ssh-rsa` by default).
 */
import { createHash } from 'node:crypto';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { Screen } from './screen.js';

export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  /** the pinned key; null: trust on first use (the presented key is reported for the server to pin) */
  hostKeySha256: string | null;
  legacyAlgorithms: boolean;
}

export interface SessionOptions {
  prompt: RegExp;
  pager: RegExp;
  pagerAnswer: string;
  mode: 'shell' | 'exec';
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export type FailureKind = 'host_key_changed' | 'auth_failed' | 'unreachable';

/** Why a session could not be opened or used. `presentedHostKey` is set once key exchange got that far. */
export class SshFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly presentedHostKey: string | null = null,
  ) {
    super(message);
  }
}

export class CommandTimeout extends Error {}

/** OpenSSH's fingerprint form: `SHA256:` and the unpadded base64 of the key blob's SHA-256. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Same key, whatever padding the operator typed. */
function sameFingerprint(a: string, b: string): boolean {
  const bare = (f: string) => f.trim().replace(/^SHA256:/, '').replace(/=+$/, '');
  return bare(a) === bare(b);
}

export const LEGACY_ALGORITHMS = {
  kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1'],
  serverHostKey: ['ssh-rsa'],
  cipher: ['aes128-cbc', 'aes256-cbc'],
} as const;

function algorithms(legacy: boolean): ConnectConfig['algorithms'] {
  if (legacy) {
    return {
      kex: { append: [...LEGACY_ALGORITHMS.kex] },
      cipher: { append: [...LEGACY_ALGORITHMS.cipher] },
      // serverHostKey: ssh2's default list, which has ssh-rsa
    } as unknown as ConnectConfig['algorithms'];
  }
  return { serverHostKey: { remove: [...LEGACY_ALGORITHMS.serverHostKey] } } as unknown as ConnectConfig['algorithms'];
}

export interface Session {
  /** the key the device presented, `SHA256:…` */
  readonly presentedHostKey: string;
  run(command: string): Promise<string>;
  close(): void;
}

export async function openSession(endpoint: SshEndpoint, options: SessionOptions): Promise<Session> {
  const client = new Client();
  // A socket error after the outcome is settled (ECONNRESET from a device that hangs up on a
  // refused key exchange) must not become an uncaught exception: the outcome is already known.
  client.on('error', () => {});
  let presented: string | null = null;
  let keyRefused = false;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error & { level?: string }) => {
      client.end();
      if (keyRefused) {
        reject(new SshFailure('host_key_changed', `the device presented host key ${presented}, not the pinned ${endpoint.hostKeySha256}: not logged in`, presented));
      } else if (err.level === 'client-authentication') {
        reject(new SshFailure('auth_failed', `login refused for ${endpoint.username}: ${err.message}`, presented));
      } else {
        reject(new SshFailure('unreachable', err.message, presented));
      }
    };
    client.once('ready', () => resolve());
    client.once('error', fail);
    client.once('close', () => fail(Object.assign(new Error('connection closed before login'), { level: 'connection' })));
    client.connect({
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      password: endpoint.password,
      privateKey: endpoint.privateKey,
      passphrase: endpoint.passphrase,
      readyTimeout: options.connectTimeoutMs,
      // Devices answer keyboard-interactive rather than password on some releases (VRP8).
      tryKeyboard: endpoint.password !== undefined,
      algorithms: algorithms(endpoint.legacyAlgorithms),
      hostVerifier: (key: Buffer) => {
        presented = fingerprint(key);
        if (endpoint.hostKeySha256 && !sameFingerprint(presented, endpoint.hostKeySha256)) {
          keyRefused = true;
          return false;
        }
        return true;
      },
    });
    if (endpoint.password !== undefined) {
      client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => endpoint.password!)));
    }
  });
  client.removeAllListeners('close');
  client.removeAllListeners('error');
  client.on('error', () => {}); // a late error ends the session; the pending command times out or sees the close
  const session = options.mode === 'exec' ? execSession(client, options) : await shellSession(client, options);
  return Object.assign(session, { presentedHostKey: presented! });
}

function execSession(client: Client, options: SessionOptions): Omit<Session, 'presentedHostKey'> {
  return {
    run(command) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new CommandTimeout(`${command}: no answer within ${options.commandTimeoutMs} ms`)), options.commandTimeoutMs);
        client.exec(command, (err, channel) => {
          if (err) {
            clearTimeout(timer);
            reject(err);
            return;
          }
          const screen = new Screen();
          channel.on('data', (d: Buffer) => screen.feed(d.toString('utf8')));
          channel.stderr.on('data', (d: Buffer) => screen.feed(d.toString('utf8')));
          channel.on('close', () => {
            clearTimeout(timer);
            const lines = [...screen.lines];
            if (screen.partial.trim()) lines.push(screen.partial);
            resolve(lines.join('\n'));
          });
        });
      });
    },
    close() {
      client.end();
    },
  };
}

async function shellSession(client: Client, options: SessionOptions): Promise<Omit<Session, 'presentedHostKey'>> {
  const channel = await new Promise<ClientChannel>((resolve, reject) =>
    // Wide and tall enough that devices neither wrap nor page more than they must.
    client.shell({ term: 'vt100', cols: 511, rows: 200 }, (err, ch) => (err ? reject(new SshFailure('unreachable', `the device refused a shell: ${err.message}`)) : resolve(ch))),
  );
  const screen = new Screen();
  let waiter: (() => void) | null = null;
  let closed = false;
  channel.on('data', (d: Buffer) => {
    screen.feed(d.toString('utf8'));
    waiter?.();
  });
  channel.on('close', () => {
    closed = true;
    waiter?.();
  });

  /** Resolves when the unfinished line is a prompt, answering pagers meanwhile. */
  const untilPrompt = (what: string, afterLine = 0): Promise<void> =>
    new Promise((resolve, reject) => {
      let answeredAt = -1;
      const timer = setTimeout(() => {
        waiter = null;
        reject(new CommandTimeout(`${what}: no prompt within ${options.commandTimeoutMs} ms (last line ${JSON.stringify(screen.partial.slice(-80))})`));
      }, options.commandTimeoutMs);
      const check = () => {
        const partial = screen.partial;
        if (screen.lines.length >= afterLine && options.prompt.test(partial.trim())) {
          clearTimeout(timer);
          waiter = null;
          resolve();
        } else if (options.pager.test(partial) && answeredAt !== screen.lines.length) {
          // One answer per pager: the next page starts on a new line.
          answeredAt = screen.lines.length;
          channel.write(options.pagerAnswer);
        } else if (closed) {
          clearTimeout(timer);
          waiter = null;
          reject(new SshFailure('unreachable', `${what}: the device closed the session`));
        }
      };
      waiter = check;
      check();
    });

  await untilPrompt('login');
  return {
    async run(command) {
      const start = screen.lines.length;
      channel.write(`${command}\n`);
      // The prompt counts only once the echo's line has ended: before, it is the old one.
      await untilPrompt(command, start + 1);
      const lines = screen.lines.slice(start);
      // The first line is the prompt the command was typed at and its echo.
      if (lines.length && lines[0].trimEnd().endsWith(command)) lines.shift();
      return lines.join('\n');
    },
    close() {
      channel.end();
      client.end();
    },
  };
}
