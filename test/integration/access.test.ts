import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../../server/bootstrap.js';
import { openPglite, rows } from '../../server/db/client.js';
import { authenticatePassword, authenticateToken, tokenLookup } from '../../server/modules/access/service.js';
import { hashPassword, maxTokenLength, tokenHash, verifyPassword } from '../../server/modules/access/secrets.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

describe('password hashing', () => {
  it('round-trips with scrypt and refuses a wrong password', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(stored).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    // Salted: the same password never hashes the same twice.
    expect(await hashPassword('correct horse battery staple')).not.toBe(stored);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });
});

describe.each(backends)('access control on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => t?.close());

  const issue = async (username: string, body: Record<string, unknown> = {}) => {
    const reply = await t.call<{ id: string; token: string; expiresAt: string | null }>('POST', `/api/v1/users/${username}/tokens`, { body });
    expect(reply.status).toBe(201);
    return reply.body;
  };
  const newUser = async (role: string, unit: string, extra: Record<string, unknown> = {}) => {
    const username = `${role}-${Math.random().toString(36).slice(2, 8)}`;
    const reply = await t.call('POST', '/api/v1/users', { body: { username, displayName: username, unit, role, ...extra } });
    expect(reply.status, reply.text).toBe(201);
    return username;
  };
  const listTokens = async (username: string) =>
    (await t.call<{ items: Record<string, unknown>[] }>('GET', `/api/v1/users/${username}/tokens`)).body.items;
  const readRegion = (token: string | null) => t.call('GET', '/api/v1/units/450000', { token });

  it('shows a token once: the list and the audit trail never carry it, and only its hash is stored', async () => {
    const username = await newUser('operator', '450100');
    const issued = await issue(username);
    expect(issued.token).toMatch(/^ww_[A-Za-z0-9_-]{43}$/);
    expect((await readRegion(issued.token)).status).toBe(200);

    const list = await t.call('GET', `/api/v1/users/${username}/tokens`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ id: issued.id, revoked: false, expiresAt: null })]);
    expect(Object.keys(list.body.items[0]).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'revoked']);
    expect(list.text).not.toContain(issued.token);
    expect(list.text).not.toContain(tokenHash(issued.token));

    const audit = await t.call('GET', `/api/v1/audit?object=token:${issued.id}`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.text).not.toContain(issued.token);

    const stored = await rows<{ hash: string }>(t.database.db, sql`SELECT hash FROM api_tokens WHERE id = ${Number(issued.id)}`);
    expect(stored).toEqual([{ hash: tokenHash(issued.token) }]);
  });

  it('refuses a revoked token from then on', async () => {
    const username = await newUser('auditor', '450000');
    const kept = await issue(username);
    const revoked = await issue(username);
    expect((await readRegion(revoked.token)).status).toBe(200);
    const del = await t.call('DELETE', `/api/v1/users/${username}/tokens/${revoked.id}`, { token: revoked.token });
    expect(del.status).toBe(204);
    const after = await readRegion(revoked.token);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('unauthorized');
    expect((await readRegion(kept.token)).status).toBe(200);
    expect((await listTokens(username)).find((tk) => tk.id === revoked.id)).toMatchObject({ revoked: true });
    // Revoking twice changes nothing more.
    const audits = await countRows(t, 'audit_entries');
    expect((await t.call('DELETE', `/api/v1/users/${username}/tokens/${revoked.id}`)).status).toBe(204);
    expect(await countRows(t, 'audit_entries')).toBe(audits);
    expect((await t.call('DELETE', `/api/v1/users/${username}/tokens/999999`)).status).toBe(404);
  });

  it('answers concurrent requests, whose token lookups share statements, each as its own token: revoked and unknown ones 401', async () => {
    const owners = await Promise.all(['450100', '450200', '450300'].map((unit) => newUser('operator', unit)));
    const tokens = await Promise.all(owners.map((u) => issue(u)));
    const gone = await issue(owners[0]);
    expect((await t.call('DELETE', `/api/v1/users/${owners[0]}/tokens/${gone.id}`)).status).toBe(204);
    const asks = Array.from({ length: 48 }, (_, i) => {
      const k = i % 5;
      if (k < 3) return { token: tokens[k].token, owner: owners[k], expect: 200, id: tokens[k].id };
      return { token: k === 3 ? gone.token : `ww_${'x'.repeat(43)}`, owner: owners[0], expect: 401, id: null };
    });
    const replies = await Promise.all(asks.map((a) => t.call('GET', `/api/v1/users/${a.owner}/tokens`, { token: a.token })));
    replies.forEach((reply, i) => {
      expect(reply.status, `request ${i}`).toBe(asks[i].expect);
      if (asks[i].id) expect(reply.body.items.map((tk: { id: string }) => tk.id)).toContain(asks[i].id);
    });
    // Another operator's token reads only its own user's tokens, even when asked alongside.
    const sideways = await Promise.all([
      t.call('GET', `/api/v1/users/${owners[1]}/tokens`, { token: tokens[0].token }),
      t.call('GET', `/api/v1/users/${owners[0]}/tokens`, { token: tokens[0].token }),
    ]);
    expect(sideways[0].status).toBeGreaterThanOrEqual(403);
    expect(sideways[1].status).toBe(200);
  });

  it('looks tokens up by index only, alone and in batches, in custom and generic plans: no table read whole', async () => {
    // Written as plain joins, the batches' lookup read and hashed all 1,410 units for every
    // statement (issue 14). Six hashes, as a busy server batches them; the statement as prepared.
    const [{ hash }] = await rows<{ hash: string }>(t.database.db, sql`SELECT hash FROM api_tokens LIMIT 1`);
    const hashes = JSON.stringify([hash, ...Array.from({ length: 5 }, (_, i) => tokenHash(`ww_unknown_${i}`))]);
    await t.database.db.transaction(async (tx) => {
      for (const [which, argument] of [['one', hash], ['several', hashes]] as const) {
        // Its constants (LIMIT 1) written in; the placeholder becomes PREPARE's $1.
        const { sql: query, params } = tokenLookup(tx, which).toSQL();
        const text = query.replace(/\$(\d+)/g, (_, n) => (typeof params[Number(n) - 1] === 'number' ? String(params[Number(n) - 1]) : '$1'));
        await tx.execute(sql.raw(`PREPARE probe_${which} AS ${text}`));
        for (const mode of ['force_custom_plan', 'force_generic_plan']) {
          await tx.execute(sql.raw(`SET LOCAL plan_cache_mode = ${mode}`));
          const lines = (await rows<{ 'QUERY PLAN': string }>(tx, sql.raw(`EXPLAIN EXECUTE probe_${which}('${argument}')`))).map((r) => r['QUERY PLAN']).join('\n');
          expect(lines, `${which}, ${mode}`).not.toMatch(/Seq Scan on (units|users|api_tokens)/);
          expect(lines, `${which}, ${mode}`).toMatch(/Index Scan using units_pkey/);
        }
        await tx.execute(sql.raw(`DEALLOCATE probe_${which}`));
      }
    });
  });

  it('refuses an expired token once the clock passes its expiry, and an expiry in the past', async () => {
    const username = await newUser('operator', '450200');
    const expiresAt = new Date(t.clock.now.getTime() + 3_600_000).toISOString();
    const issued = await issue(username, { expiresAt });
    expect(issued.expiresAt).toBe(expiresAt);
    expect((await readRegion(issued.token)).status).toBe(200);
    const start = t.clock.now;
    try {
      t.clock.now = new Date(start.getTime() + 3_599_000);
      expect((await readRegion(issued.token)).status).toBe(200);
      t.clock.now = new Date(start.getTime() + 3_600_001);
      const expired = await readRegion(issued.token);
      expect(expired.status).toBe(401);
      expect(expired.body.detail).toMatch(/expired/);
    } finally {
      t.clock.now = start;
    }
    const tokens = await countRows(t, 'api_tokens');
    const past = await t.call('POST', `/api/v1/users/${username}/tokens`, { body: { expiresAt: new Date(start.getTime() - 1000).toISOString() } });
    expect(past.status).toBe(400);
    expect(past.body.code).toBe('validation_failed');
    const noOffset = await t.call('POST', `/api/v1/users/${username}/tokens`, { body: { expiresAt: 'tomorrow' } });
    expect(noOffset.status).toBe(400);
    expect(await countRows(t, 'api_tokens')).toBe(tokens);
  });

  it('writes lastUsedAt at most once a minute per token', async () => {
    const username = await newUser('applicant', await department('450103'));
    const issued = await issue(username);
    const version = async () =>
      (await rows<{ xmin: string }>(t.database.db, sql`SELECT xmin::text AS xmin FROM api_tokens WHERE id = ${Number(issued.id)}`))[0].xmin;
    const lastUsed = async () => (await listTokens(username)).find((tk) => tk.id === issued.id)!.lastUsedAt;
    expect(await lastUsed()).toBeNull();

    const start = t.clock.now;
    try {
      const first = new Date(start.getTime() + 1000);
      t.clock.now = first;
      const untouched = await version();
      expect((await readRegion(issued.token)).status).toBe(200);
      const written = await version();
      expect(written).not.toBe(untouched);
      expect(await lastUsed()).toBe(first.toISOString());
      for (let i = 1; i <= 4; i++) {
        t.clock.now = new Date(first.getTime() + i * 12_000);
        expect((await readRegion(issued.token)).status).toBe(200);
      }
      // Five requests inside one minute: one write, the row untouched since.
      expect(await version()).toBe(written);
      expect(await lastUsed()).toBe(first.toISOString());

      const later = new Date(first.getTime() + 61_000);
      t.clock.now = later;
      expect((await readRegion(issued.token)).status).toBe(200);
      expect(await version()).not.toBe(written);
      expect(await lastUsed()).toBe(later.toISOString());
    } finally {
      t.clock.now = start;
    }
  });

  it('stores a password as an scrypt hash the web login can check', async () => {
    const username = await newUser('operator', '450300', { password: 'guilin-ops-2024!' });
    const user = (await t.call('GET', '/api/v1/users?unit=450300')).body.items.find((u: { username: string }) => u.username === username);
    expect(user).toMatchObject({ hasPassword: true, role: 'operator', unit: '450300' });
    expect(JSON.stringify(user)).not.toContain('scrypt');
    const [stored] = await rows<{ password_hash: string }>(t.database.db, sql`SELECT password_hash FROM users WHERE username = ${username}`);
    expect(stored.password_hash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('guilin-ops-2024!', stored.password_hash)).toBe(true);
    expect(await authenticatePassword(t.database.db, username, 'guilin-ops-2024!')).toMatchObject({ username, role: 'operator', unitCode: '450300', unitPath: '/450000/450300/' });
    expect(await authenticatePassword(t.database.db, username, 'guilin-ops-2025!')).toBeNull();
    expect(await authenticatePassword(t.database.db, 'nobody-here', 'guilin-ops-2024!')).toBeNull();
    const short = await t.call('POST', '/api/v1/users', { body: { username: 'short-pw', displayName: 'x', unit: '450300', role: 'operator', password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.field).toBe('password');
  });

  it('honours the bootstrap token; a new one given on a later start revokes the previous one, audited', async () => {
    // Its own registry: rotating the bootstrap token revokes the one every other test here uses.
    const own = await startTestApp(backend);
    try {
      const readAs = (token: string) => own.call('GET', '/api/v1/units/450000', { token });
      expect((await readAs(own.adminToken)).status).toBe(200);
      const users = await countRows(own, 'users');
      const rotated = 'ww_rotated_bootstrap_token_1234567890abcdef';
      expect((await readAs(rotated)).status).toBe(401);
      // A later start with the same database: no second admin, nothing to print, the new token works, the old one no longer.
      const again = await prepare(own.database, { ...own.config, bootstrapToken: rotated });
      expect(again.adminToken).toBeUndefined();
      expect(await countRows(own, 'users')).toBe(users);
      expect((await readAs(rotated)).status).toBe(200);
      expect((await readAs(own.adminToken)).status).toBe(401);
      const listed = await own.call('GET', '/api/v1/users/admin/tokens', { token: rotated });
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((k: { revoked: boolean }) => k.revoked)).toEqual([true, false]);
      const [revokedId] = listed.body.items.map((k: { id: string }) => k.id);
      const trail = await own.call('GET', `/api/v1/audit?object=token:${revokedId}`, { token: rotated });
      expect(trail.body.items[0]).toMatchObject({ actor: 'system', action: 'token.revoke', after: { revoked: true, bootstrap: true, replacedBy: listed.body.items[1].id } });

      // The same token on the next start changes nothing; a token the admin made by hand is never touched.
      const byHand = await own.call('POST', '/api/v1/users/admin/tokens', { token: rotated, body: {} });
      expect(byHand.status).toBe(201);
      const tokens = await countRows(own, 'api_tokens');
      const entries = await countRows(own, 'audit_entries');
      await prepare(own.database, { ...own.config, bootstrapToken: rotated });
      expect(await countRows(own, 'api_tokens')).toBe(tokens);
      expect(await countRows(own, 'audit_entries')).toBe(entries);
      await prepare(own.database, { ...own.config, bootstrapToken: 'ww_third_bootstrap_token_abcdef0123456789' });
      expect((await readAs(rotated)).status).toBe(401);
      expect((await readAs(byHand.body.token)).status).toBe(200);
      expect((await readAs('ww_third_bootstrap_token_abcdef0123456789')).status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('takes a bootstrap token only as long as a login accepts one, on the first start and on later ones', async () => {
    const longest = `ww_${'L'.repeat(maxTokenLength - 3)}`;
    const tooLong = `ww_${'X'.repeat(maxTokenLength - 2)}`;
    expect(tooLong.length).toBe(maxTokenLength + 1);
    await expect(prepare(t.database, { ...t.config, bootstrapToken: tooLong })).rejects.toThrow(/WAIWANG_BOOTSTRAP_TOKEN/);
    expect((await readRegion(tooLong)).status).toBe(401);
    const fresh = await openPglite(undefined);
    try {
      await expect(prepare(fresh, { ...t.config, bootstrapToken: tooLong })).rejects.toThrow(`at most ${maxTokenLength} characters`);
      await prepare(fresh, { ...t.config, bootstrapToken: longest });
      expect(await authenticateToken(fresh.db, longest, new Date())).toMatchObject({ username: 'admin', role: 'admin' });
    } finally {
      await fresh.close();
    }
  });

  async function department(parent: string): Promise<string> {
    const code = `ACC-${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    const reply = await t.call('POST', '/api/v1/units', { body: { code, name: `访问测试 ${code}`, parent, kind: 'department' } });
    expect(reply.status, reply.text).toBe(201);
    return code;
  }
});
