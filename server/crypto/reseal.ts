import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { mutate, type Ctx } from '../context.js';
import { rows } from '../db/client.js';
import { isBound, open, ownerOf, seal, secretKey, type SecretPurpose } from './secret-box.js';

/** Every column that holds a secret envelope, with the row kind it is bound to. */
const storedSecrets: { table: 'devices' | 'webhooks'; column: string; purpose: SecretPurpose; owner: 'device' | 'webhook' }[] = [
  { table: 'devices', column: 'snmp_credentials', purpose: 'snmp', owner: 'device' },
  { table: 'devices', column: 'ssh_credentials', purpose: 'ssh', owner: 'device' },
  { table: 'webhooks', column: 'secret', purpose: 'webhook', owner: 'webhook' },
];

/**
 * One-off upgrade at start: envelopes written before the owner binding (`v1`) are opened and
 * sealed again for their row (`v2`), in one audited transaction, so no unbound envelope stays
 * to be copied onto another row; later starts find none and write nothing. An envelope this
 * server cannot open (another key) is left as it is and logged: the server that holds the
 * key upgrades it.
 */
export async function resealUnboundSecrets(ctx: Ctx, log?: Logger): Promise<Record<string, number>> {
  return mutate(ctx, async (tx, audit) => {
    const resealed: Record<string, number> = {};
    let total = 0;
    for (const stored of storedSecrets) {
      const found = await rows<{ id: string | number; envelope: string }>(
        tx,
        sql`SELECT id, ${sql.identifier(stored.column)} AS envelope FROM ${sql.identifier(stored.table)}
            WHERE ${sql.identifier(stored.column)} LIKE 'v1.%' ORDER BY id FOR UPDATE`,
      );
      let count = 0;
      for (const row of found) {
        const id = Number(row.id);
        const owner = ownerOf(stored.owner, id);
        let value: unknown;
        try {
          value = open(secretKey(ctx.config, log), stored.purpose, owner, row.envelope);
        } catch (err) {
          log?.warn({ err, secret: { table: stored.table, column: stored.column, id } }, 'could not reseal a stored secret for its row');
          continue;
        }
        const envelope = seal(secretKey(ctx.config, log), stored.purpose, owner, value);
        if (!isBound(envelope)) throw new Error('seal() wrote an unbound envelope');
        await tx.execute(sql`UPDATE ${sql.identifier(stored.table)} SET ${sql.identifier(stored.column)} = ${envelope} WHERE id = ${id}`);
        count += 1;
      }
      resealed[`${stored.table}.${stored.column}`] = count;
      total += count;
    }
    if (total > 0) {
      await audit({ action: 'secret.reseal', objectType: 'secret_envelopes', objectId: 'v2', after: { resealed } });
      log?.info({ resealed }, 'stored secrets resealed for their rows');
    }
    return resealed;
  });
}
