import { and, desc, eq, getTableColumns, lt } from 'drizzle-orm';
import { read, type Ctx } from '../../context.js';
import { keysetPage } from '../../http/paging.js';
import { authorize } from '../access/authorize.js';
import { auditEntries, auditSeals, type AuditEntryRow } from './schema.js';
import { contentOf, entryHash, type HashAlgorithm } from './chain.js';
import { verifyChain, type Verification } from './verify.js';

export interface AuditQuery {
  object?: string;
  actor?: string;
  action?: string;
  limit: number;
  cursor?: string;
}

/**
 * An entry written inside a database function carries no hash of its own (audit/schema.ts):
 * once sealed, the one the sealer computed; before that, the same computation here.
 */
function entryView(row: AuditEntryRow & { sealedHash: string | null }, algorithm: HashAlgorithm) {
  const content = contentOf(row);
  return {
    ...content,
    id: String(row.id),
    hash: row.hash ?? row.sealedHash ?? entryHash(algorithm, content),
  };
}

/** Newest first. `object` is an object id, or `type:id` to tell a unit from a user of the same name. */
export async function listAudit(ctx: Ctx, query: AuditQuery) {
  authorize(ctx, 'audit.read');
  return read(async () => {
    const conditions = [];
    if (query.object) {
      const split = query.object.indexOf(':');
      if (split > 0) {
        conditions.push(eq(auditEntries.objectType, query.object.slice(0, split)), eq(auditEntries.objectId, query.object.slice(split + 1)));
      } else {
        conditions.push(eq(auditEntries.objectId, query.object));
      }
    }
    if (query.actor) conditions.push(eq(auditEntries.actor, query.actor));
    if (query.action) conditions.push(eq(auditEntries.action, query.action));
    if (query.cursor) conditions.push(lt(auditEntries.id, Number(query.cursor)));
    const found = await ctx.db
      .select({ ...getTableColumns(auditEntries), sealedHash: auditSeals.entryHash })
      .from(auditEntries)
      .leftJoin(auditSeals, eq(auditSeals.entryId, auditEntries.id))
      .where(and(...conditions))
      .orderBy(desc(auditEntries.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), (page) => page.map((row) => entryView(row, ctx.config.auditHash)));
  });
}

export async function verifyAudit(ctx: Ctx): Promise<Verification> {
  authorize(ctx, 'audit.verify');
  return read(() => verifyChain(ctx.db, ctx.config.auditAnchorPath, ctx.now()));
}
