import { createCipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * A secret envelope exactly as servers before the owner binding wrote it (`v1`: only the
 * purpose as associated data), for tests of reading and upgrading old rows.
 */
export function legacyEnvelope(key: Buffer, purpose: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`waiwang:${purpose}`));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  const print = createHash('sha256').update('waiwang-secret-key').update(key).digest('hex').slice(0, 8);
  return ['v1', print, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}
