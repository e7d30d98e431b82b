import { createHash } from 'node:crypto';

export type HashAlgorithm = 'sm3' | 'sha256';

/**
 * Canonical JSON: keys sorted at every depth, no spaces, so that the same entry always hashes
 * the same, whatever key order jsonb hands back. Dates become ISO strings, BigInts decimal.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value));
}

/** The JSON-safe form of a value: what jsonb will store and give back. */
export function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = normalize(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/** Hashes carry their algorithm ('sm3:…'), so a chain stays checkable after the setting changes. */
export function hashText(algorithm: HashAlgorithm, text: string): string {
  return `${algorithm}:${createHash(algorithm).update(text, 'utf8').digest('hex')}`;
}

function algorithmOf(hash: string): HashAlgorithm {
  const a = hash.slice(0, hash.indexOf(':'));
  if (a !== 'sm3' && a !== 'sha256') throw new Error(`unknown hash algorithm in ${hash}`);
  return a;
}

export interface EntryContent {
  id: number;
  at: string;
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

/** An entry as a select gives it back (columns aliased to these names; jsonb arrives parsed). */
export interface StoredEntry extends Omit<EntryContent, 'id' | 'at'> {
  id: string | number;
  at: Date | string;
}

/** What an entry's hash covers, read back from its row. */
export function contentOf(row: StoredEntry): EntryContent {
  return {
    id: Number(row.id),
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    objectType: row.objectType,
    objectId: row.objectId,
    before: row.before ?? null,
    after: row.after ?? null,
    requestId: row.requestId,
  };
}

export function entryHash(algorithm: HashAlgorithm, entry: EntryContent): string {
  return hashText(algorithm, canonicalJson(entry));
}

/** Recomputes an entry's hash with the algorithm its stored hash names. */
export function recomputeEntryHash(storedHash: string, entry: EntryContent): string {
  return entryHash(algorithmOf(storedHash), entry);
}

export const genesis = '';

/** chain = H(previous chain ‖ entry hash), with the algorithm of the entry hash. */
export function nextChain(previous: string, entryHashValue: string): string {
  return hashText(algorithmOf(entryHashValue), previous + entryHashValue);
}
