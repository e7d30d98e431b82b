import { and, desc, eq, lt } from 'drizzle-orm';
import { read, type Ctx } from '../../context.js';
import { keysetPage } from '../../http/paging.js';
import { authorize } from '../access/authorize.js';
import { auditEntries, type AuditEntryRow } from './schema.js';
import { verifyChain, type Verification } from './verify.js';

export interface AuditQuery {
  object?: string;
  actor?: string;
  action?: string;
  limit: number;
  cursor?: string;
}

function entryView(row: AuditEntryRow) {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    objectType: row.objectType,
    objectId: row.objectId,
    before: row.before ?? null,
    after: row.after ?? null,
    requestId: row.requestId,
    hash: row.hash,
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
    const found = await ctx.db.select().from(auditEntries).where(and(...conditions)).orderBy(desc(auditEntries.id)).limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), (page) => page.map(entryView));
  });
}

export async function verifyAudit(ctx: Ctx): Promise<Verification> {
  authorize(ctx, 'audit.verify');
  return read(() => verifyChain(ctx.db, ctx.config.auditAnchorPath, ctx.now()));
}
