import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { legacyEnvelope } from '../../test/support/legacy-envelope.js';
import { isBound, open, parseSecretKey, seal, secretKey, SecretKeyMismatch } from './secret-box.js';

describe('credential envelopes', () => {
  const key = randomBytes(32);

  it('round-trips a credential and never shows it in the envelope', () => {
    const envelope = seal(key, 'snmp', 'device:7', { community: 'very-secret-community' });
    expect(envelope).toMatch(/^v2\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(envelope).not.toContain('very-secret');
    expect(Buffer.from(envelope.split('.')[4], 'base64url').toString()).not.toContain('very-secret');
    expect(open(key, 'snmp', 'device:7', envelope)).toEqual({ community: 'very-secret-community' });
    expect(isBound(envelope)).toBe(true);
  });

  it('uses a fresh IV every time', () => {
    expect(seal(key, 'ssh', 'device:7', { password: 'x' })).not.toBe(seal(key, 'ssh', 'device:7', { password: 'x' }));
  });

  it('refuses an envelope moved to another purpose, or altered', () => {
    const envelope = seal(key, 'ssh', 'device:7', { password: 'pw' });
    expect(() => open(key, 'snmp', 'device:7', envelope)).toThrow();
    const parts = envelope.split('.');
    const body = Buffer.from(parts[4], 'base64url');
    body[0] ^= 1;
    parts[4] = body.toString('base64url');
    expect(() => open(key, 'ssh', 'device:7', parts.join('.'))).toThrow();
  });

  it('refuses an envelope copied onto another row: the owner is associated data', () => {
    const envelope = seal(key, 'snmp', 'device:7', { community: 'of-device-7' });
    expect(() => open(key, 'snmp', 'device:8', envelope)).toThrow(/device:8/);
    expect(() => open(key, 'webhook', 'webhook:7', seal(key, 'webhook', 'webhook:70', 's'))).toThrow();
  });

  it('still opens an unbound v1 envelope written before the binding, and says it needs resealing', () => {
    const envelope = legacyEnvelope(key, 'snmp', { community: 'old' });
    expect(open(key, 'snmp', 'device:7', envelope)).toEqual({ community: 'old' });
    expect(isBound(envelope)).toBe(false);
    expect(() => open(key, 'ssh', 'device:7', envelope)).toThrow();
  });

  it('names the problem when a server holds another key', () => {
    const envelope = seal(key, 'webhook', 'webhook:1', 's');
    expect(() => open(randomBytes(32), 'webhook', 'webhook:1', envelope)).toThrow(SecretKeyMismatch);
    expect(() => open(randomBytes(32), 'webhook', 'webhook:1', envelope)).toThrow(/WAIWANG_SECRET_KEY/);
    expect(() => open(randomBytes(32), 'webhook', 'webhook:1', legacyEnvelope(key, 'webhook', 's'))).toThrow(SecretKeyMismatch);
  });
});

describe('the secret key', () => {
  it('reads 64 hex digits or base64 of 32 bytes, nothing else', () => {
    const raw = randomBytes(32);
    expect(parseSecretKey(raw.toString('hex'))).toEqual(raw);
    expect(parseSecretKey(raw.toString('base64'))).toEqual(raw);
    expect(parseSecretKey(raw.toString('base64url'))).toEqual(raw);
    expect(() => parseSecretKey('too-short')).toThrow(/64 hexadecimal digits/);
    expect(() => parseSecretKey(randomBytes(16).toString('hex'))).toThrow();
  });

  it('is generated once into the data directory, readable by its owner only, when unset', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-key-'));
    try {
      const warnings: string[] = [];
      const log = { warn: (_: unknown, message: string) => warnings.push(message) } as never;
      const first = secretKey({ dataDir, databaseUrl: 'postgres://db/waiwang' }, log);
      const file = path.join(dataDir, 'secret.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(parseSecretKey(fs.readFileSync(file, 'utf8'))).toEqual(first);
      expect(warnings.some((w) => /every server on this database must use the same key/.test(w))).toBe(true);
      expect(secretKey({ dataDir })).toEqual(first);
      const configured = randomBytes(32).toString('hex');
      expect(secretKey({ dataDir, secretKey: configured })).toEqual(Buffer.from(configured, 'hex'));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
