import { sql } from 'drizzle-orm';
import type { Ctx } from '../../context.js';
import { rows, type Tx } from '../../db/client.js';
import { auditEntries } from './schema.js';
import { entryHash, normalize } from './chain.js';
import { sendWithCommit } from '../../db/pipelined.js';

export interface AuditInput {
  /** `{entity}.{verb}`, e.g. `unit.create`, `prefix.allocate`. */
  action: string;
  objectType: string;
  objectId: string;
  before?: unknown;
  after?: unknown;
  /**
   * The entry's id when the writer already took it from audit_entry_ids (the IPAM functions
   * take theirs inside the one statement that does the write, saving a round trip).
   */
  id?: number;
}

const insertEntry =
  'INSERT INTO audit_entries (id, at, actor, action, object_type, object_id, before, after, request_id, hash) ' +
  'VALUES ($1::bigint, $2::timestamptz, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)';

/** Writes one audit entry inside the caller's transaction; see mutate(). */
export async function recordAudit(tx: Tx, ctx: Ctx, input: AuditInput): Promise<void> {
  const id = input.id ?? (await rows<{ id: string | number }>(tx, sql`SELECT nextval('audit_entry_ids') AS id`))[0].id;
  const content = {
    id: Number(id),
    at: ctx.now().toISOString(),
    actor: ctx.actor.username,
    action: input.action,
    objectType: input.objectType,
    objectId: input.objectId,
    before: normalize(input.before),
    after: normalize(input.after),
    requestId: ctx.requestId ?? null,
  };
  const hash = entryHash(ctx.config.auditHash, content);
  // On PostgreSQL the entry leaves at once and its answer comes back with COMMIT (db/pipelined.ts).
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  if (
    sendWithCommit(tx, insertEntry, [
      String(content.id), content.at, content.actor, content.action, content.objectType, content.objectId,
      json(content.before), json(content.after), content.requestId, hash,
    ])
  ) return;
  await tx.insert(auditEntries).values({ ...content, at: new Date(content.at), hash });
}
