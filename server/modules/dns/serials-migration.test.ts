/**
 * Migration 0009 (dns_zone_serials) on a registry that already published serials: names
 * reclaimed earlier (known from the audit trail) and reverse zones of the shared spaces
 * (kept per VRF until then) must continue upwards, never restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, rows } from '../../db/client.js';
import { migrationsFolder } from '../../db/migrate.js';

describe('migration 0009_dns_zone_serials', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-0009-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('seeds the last serial of each reclaimed name from the audit trail and of each shared reverse zone from its highest VRF row', async () => {
    // The migrations up to 0008, as a registry had them.
    const before = path.join(dir, 'drizzle');
    fs.cpSync(migrationsFolder, before, { recursive: true });
    const journalPath = path.join(before, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    const upTo = journal.entries.findIndex((e) => e.tag.startsWith('0009_'));
    expect(upTo).toBeGreaterThan(0);
    fs.writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));

    const database = await openPglite(undefined);
    try {
      const db = database.db;
      await migratePglite(db as never, { migrationsFolder: before });
      const [publicVrf] = await rows<{ id: number }>(db, sql`SELECT id FROM vrfs WHERE name = 'public'`);
      const [internetVrf] = await rows<{ id: number }>(db, sql`SELECT id FROM vrfs WHERE name = 'internet'`);
      const [dedicated] = await rows<{ id: number }>(db, sql`INSERT INTO vrfs (name, zone_code) VALUES ('vpn-x', 'dedicated') RETURNING id`);
      const audit = (id: number, name: string, serial: number) =>
        db.execute(sql`INSERT INTO audit_entries (id, at, actor, action, object_type, object_id, before, hash)
          VALUES (${id}, now(), 'admin', 'domain.reclaim', 'domain', ${String(id)}, ${JSON.stringify({ name, serial })}::jsonb, 'x')`);
      await audit(1, 'old.example', 2026030105);
      await audit(2, 'old.example', 2026030203);
      await audit(3, 'other.example', 2026010100);
      const reverse = (vrf: number, name: string, serial: number) =>
        db.execute(sql`INSERT INTO dns_reverse_zones (vrf_id, name, serial, content_sha256) VALUES (${vrf}, ${name}, ${serial}, 'digest')`);
      await reverse(publicVrf.id, '45.10.in-addr.arpa', 2026050107);
      await reverse(internetVrf.id, '45.10.in-addr.arpa', 2026050102);
      await reverse(internetVrf.id, '46.10.in-addr.arpa', 2026050300);
      await reverse(dedicated.id, '47.10.in-addr.arpa', 2026050500);

      await migratePglite(db as never, { migrationsFolder });
      const seeded = await rows<{ name: string; serial: string | number; content_sha256: string | null }>(db, sql`SELECT name, serial, content_sha256 FROM dns_zone_serials ORDER BY name`);
      expect(seeded.map((r) => [r.name, Number(r.serial), r.content_sha256])).toEqual([
        ['45.10.in-addr.arpa', 2026050107, null],
        ['46.10.in-addr.arpa', 2026050300, null],
        ['old.example', 2026030203, null],
        ['other.example', 2026010100, null],
      ]);
    } finally {
      await database.close();
    }
  });
});
