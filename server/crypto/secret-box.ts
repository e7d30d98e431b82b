import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/**
 * Device credentials and webhook secrets at rest: AES-256-GCM under WAIWANG_SECRET_KEY, or
 * under a key generated into the data directory when that is unset. Every envelope carries
 * the key's fingerprint, so a server holding another key says so instead of failing obscurely.
 */

export type SecretPurpose = 'snmp' | 'ssh' | 'webhook';

const keyFileName = 'secret.key';
const cache = new Map<string, Buffer>();

/** Reads a configured key: 64 hex digits or base64 of exactly 32 bytes. */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return key;
  }
  throw new Error('WAIWANG_SECRET_KEY must be 32 bytes written as 64 hexadecimal digits or as base64 (generate one with: openssl rand -hex 32)');
}

function keyFile(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, keyFileName);
}

/**
 * The key for this configuration. Generated on first use when unset (mode 0600, created
 * exclusively so two processes racing end up with the same key); several servers sharing a
 * PostgreSQL database must share the key, which is why that case is warned about.
 */
export function secretKey(config: Pick<Config, 'secretKey' | 'dataDir' | 'databaseUrl'>, log?: Logger): Buffer {
  const cacheKey = config.secretKey ? `env:${config.secretKey}` : `file:${keyFile(config)}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  let key: Buffer;
  if (config.secretKey) {
    key = parseSecretKey(config.secretKey);
  } else {
    const file = keyFile(config);
    fs.mkdirSync(config.dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
      log?.warn({ file }, 'WAIWANG_SECRET_KEY is unset: generated a credential key into the data directory');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    key = parseSecretKey(fs.readFileSync(file, 'utf8'));
    if (config.databaseUrl) {
      log?.warn(
        { file },
        'WAIWANG_SECRET_KEY is unset while using DATABASE_URL: every server on this database must use the same key; copy this file or set WAIWANG_SECRET_KEY on all of them',
      );
    }
  }
  cache.set(cacheKey, key);
  return key;
}

function fingerprint(key: Buffer): string {
  return createHash('sha256').update('waiwang-secret-key').update(key).digest('hex').slice(0, 8);
}

export class SecretKeyMismatch extends Error {
  constructor(expected: string, actual: string) {
    super(
      `a stored secret was encrypted under key ${expected}, but this server holds key ${actual}: ` +
        'every server must use the same WAIWANG_SECRET_KEY (or the same <dataDir>/secret.key)',
    );
    this.name = 'SecretKeyMismatch';
  }
}

/**
 * The row a secret belongs to, `device:42` or `webhook:7`. It is sealed into the envelope as
 * associated data (NIST SP 800-38D: authenticated but not encrypted), so an envelope copied
 * onto another row with a database write fails to open there instead of handing that row's
 * agent or receiver someone else's credential.
 */
export type SecretOwner = `${'device' | 'webhook'}:${number}`;

export function ownerOf(kind: 'device' | 'webhook', id: number): SecretOwner {
  return `${kind}:${id}`;
}

export class SecretEnvelopeError extends Error {
  constructor(purpose: SecretPurpose, owner: SecretOwner) {
    super(`the stored ${purpose} secret of ${owner} does not open: it was sealed for another row, or altered; set it again`);
    this.name = 'SecretEnvelopeError';
  }
}

/**
 * `v2.<key fingerprint>.<iv>.<tag>.<ciphertext>`, base64url parts; the purpose and the owner
 * are the associated data. (`v1` envelopes, written before the owner binding, carry only the
 * purpose: they still open, and resealUnboundSecrets() rewrites them as v2 at start.)
 */
export function seal(key: Buffer, purpose: SecretPurpose, owner: SecretOwner, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData('v2', purpose, owner));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v2', fingerprint(key), iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export function open<T>(key: Buffer, purpose: SecretPurpose, owner: SecretOwner, envelope: string): T {
  const [version, print, iv, tag, ciphertext] = envelope.split('.');
  if ((version !== 'v1' && version !== 'v2') || !ciphertext) throw new Error('not a waiwang secret envelope');
  if (print !== fingerprint(key)) throw new SecretKeyMismatch(print, fingerprint(key));
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(associatedData(version, purpose, owner));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  } catch {
    // GCM cannot tell a wrong owner from altered bytes: both fail the tag.
    throw new SecretEnvelopeError(purpose, owner);
  }
  return JSON.parse(plain.toString('utf8')) as T;
}

/** False for a v1 envelope, which any row could carry: reseal it for its row. */
export function isBound(envelope: string): boolean {
  return envelope.startsWith('v2.');
}

function associatedData(version: 'v1' | 'v2', purpose: SecretPurpose, owner: SecretOwner): Buffer {
  return Buffer.from(version === 'v1' ? `waiwang:${purpose}` : `waiwang:v2:${purpose}:${owner}`);
}
