import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCtx } from '../../server/bootstrap.js';
import { resealUnboundSecrets } from '../../server/crypto/reseal.js';
import { secretKey } from '../../server/crypto/secret-box.js';
import { rows } from '../../server/db/client.js';
import { openSnmpSecret } from '../../server/modules/sites/service/devices.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { legacyEnvelope } from '../support/legacy-envelope.js';

/** Stored device and webhook secrets are sealed for their row (issue 13, item 14). */
describe.each(backends)('stored secrets bound to their row on %s', (backend) => {
  let t: TestApp;
  let op: string;
  let agentToken: string;
  const agentName = `secret-poller-${backend}`;

  const snmpOf = async (id: string) => (await rows<{ envelope: string }>(t.database.db, sql`SELECT snmp_credentials AS envelope FROM devices WHERE id = ${Number(id)}`))[0].envelope;
  const device = async (hostname: string, community: string) => {
    const reply = await t.call('POST', '/api/v1/devices', {
      token: op,
      body: { hostname, role: 'ce', vendor: 'huawei', ownerUnit: '450100', snmp: { agent: agentName, version: '2c', community } },
    });
    expect(reply.status, reply.text).toBe(201);
    return reply.body.id as string;
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    op = await t.userToken('operator', '450100');
    agentToken = await t.userToken('agent', '450100', agentName);
  });
  afterAll(async () => t?.close());

  it('a credential envelope copied onto another device row does not open there', async () => {
    const a = await device(`bound-a-${backend}`, 'community-of-device-a');
    const b = await device(`bound-b-${backend}`, 'community-of-device-b');
    const envelopeA = await snmpOf(a);
    expect(envelopeA).toMatch(/^v2\./);
    expect(openSnmpSecret(t, Number(a), envelopeA)).toEqual({ community: 'community-of-device-a' });

    // Someone with write access to the table moves A's credential onto B.
    await t.database.db.execute(sql`UPDATE devices SET snmp_credentials = ${envelopeA} WHERE id = ${Number(b)}`);
    expect(() => openSnmpSecret(t, Number(b), envelopeA)).toThrow(`device:${b}`);
    const targets = await t.call('GET', '/api/v1/agent/targets', { token: agentToken });
    expect(targets.status).toBe(500);
    expect(targets.text).not.toContain('community-of-device-a');

    // Setting B's credential again through the API repairs it.
    const repaired = await t.call('PATCH', `/api/v1/devices/${b}`, { token: op, body: { snmp: { version: '2c', community: 'community-of-device-b' } } });
    expect(repaired.status, repaired.text).toBe(200);
    const again = await t.call('GET', '/api/v1/agent/targets', { token: agentToken });
    expect(again.status, again.text).toBe(200);
    const communities = Object.fromEntries(again.body.items.map((d: { id: string; snmp: { community: string } }) => [d.id, d.snmp.community]));
    expect(communities).toMatchObject({ [a]: 'community-of-device-a', [b]: 'community-of-device-b' });
  });

  it('seals the envelopes of older servers (v1, unbound) for their rows at start, once, audited', async () => {
    const c = await device(`legacy-c-${backend}`, 'replaced-below');
    const hook = await t.call('POST', '/api/v1/webhooks', {
      token: op,
      body: { unit: '450100', url: 'http://10.45.200.1/legacy-hook', secret: 'legacy-webhook-secret', events: ['incident.opened'] },
    });
    expect(hook.status, hook.text).toBe(201);
    const key = secretKey(t.config);
    await t.database.db.execute(sql`UPDATE devices SET snmp_credentials = ${legacyEnvelope(key, 'snmp', { community: 'legacy-community' })} WHERE id = ${Number(c)}`);
    await t.database.db.execute(sql`UPDATE webhooks SET secret = ${legacyEnvelope(key, 'webhook', 'legacy-webhook-secret')} WHERE id = ${Number(hook.body.id)}`);
    // Still readable before the upgrade.
    expect(openSnmpSecret(t, Number(c), await snmpOf(c))).toEqual({ community: 'legacy-community' });

    const entries = await countRows(t, 'audit_entries');
    const first = await resealUnboundSecrets(systemCtx(t.database, t.config));
    expect(first).toEqual({ 'devices.snmp_credentials': 1, 'devices.ssh_credentials': 0, 'webhooks.secret': 1 });
    const resealed = await snmpOf(c);
    expect(resealed).toMatch(/^v2\./);
    expect(openSnmpSecret(t, Number(c), resealed)).toEqual({ community: 'legacy-community' });
    expect(() => openSnmpSecret(t, Number(c) + 1, resealed)).toThrow();
    const [{ secret }] = await rows<{ secret: string }>(t.database.db, sql`SELECT secret FROM webhooks WHERE id = ${Number(hook.body.id)}`);
    expect(secret).toMatch(/^v2\./);
    expect(await countRows(t, 'audit_entries')).toBe(entries + 1);
    const [entry] = (await t.call('GET', '/api/v1/audit?action=secret.reseal')).body.items;
    expect(entry).toMatchObject({ actor: 'system', after: { resealed: first } });
    expect(JSON.stringify(entry)).not.toContain('legacy-community');

    // The next start finds nothing to do and records nothing.
    expect(await resealUnboundSecrets(systemCtx(t.database, t.config))).toEqual({ 'devices.snmp_credentials': 0, 'devices.ssh_credentials': 0, 'webhooks.secret': 0 });
    expect(await countRows(t, 'audit_entries')).toBe(entries + 1);
  });
});
