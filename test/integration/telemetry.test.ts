import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryJob } from '../../server/modules/telemetry/job.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, department, device, minute, post, reading, type Agent, type Link } from './telemetry-fixtures.js';

describe.each(backends)('readings on %s', (backend) => {
  let t: TestApp;
  let poller: Agent;
  let link: Link;
  let job: TelemetryJob;
  const t0 = new Date('2025-03-03T00:00:00Z');

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = new Date(t0.getTime() + 60 * minute);
    poller = await agent(t);
    link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    job = new TelemetryJob(t.database.db, t.config, { now: () => t.clock.now });
  });
  afterAll(async () => t?.close());

  const counts = async () => ({ readings: await countRows(t, 'readings'), audit: await countRows(t, 'audit_entries'), backlog: await countRows(t, 'rollup_backlog') });

  it('stores a batch, and a replayed batch changes nothing and says so', async () => {
    const batch = [0, 5, 10].map((m, i) =>
      reading({ device: link.a.id, ifName: link.aIf, at: new Date(t0.getTime() + m * minute), sysUpTime: 10_000_000 + i * 30_000, inOctets: String(i * 1_000_000), outOctets: '18446744073709551615' }),
    );
    const first = await post(t, poller.token, batch);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ received: 3, accepted: 3, duplicates: 0 });
    const before = await counts();
    const replay = await post(t, poller.token, batch);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ received: 3, accepted: 0, duplicates: 3 });
    expect(await counts()).toEqual(before);

    // Overlapping: one old, one new (and the new one twice in the same batch).
    const next = reading({ device: link.a.id, ifName: link.aIf, at: new Date(t0.getTime() + 15 * minute), sysUpTime: 10_090_000, inOctets: '3000000' });
    const overlap = await post(t, poller.token, [batch[2], next, next]);
    expect(overlap.body).toEqual({ received: 3, accepted: 1, duplicates: 2 });
    expect(await countRows(t, 'readings')).toBe(before.readings + 1);

    const stored = await t.call('GET', `/api/v1/readings?device=${link.a.id}&from=${t0.toISOString()}&to=${new Date(t0.getTime() + 20 * minute).toISOString()}`);
    expect(stored.status).toBe(200);
    expect(stored.body.items.map((r: { at: string }) => r.at)).toEqual([0, 5, 10, 15].map((m) => new Date(t0.getTime() + m * minute).toISOString()));
    // 64-bit counters beyond 2^53 come back digit for digit.
    expect(stored.body.items[0]).toMatchObject({ device: link.a.id, ifName: link.aIf, outOctets: '18446744073709551615', counterBits: 64, operStatus: 'up', sysUpTime: 10_000_000 });
    const paged = await t.call('GET', `/api/v1/readings?device=${link.a.id}&from=${t0.toISOString()}&limit=3`);
    expect(paged.body.items).toHaveLength(3);
    const rest = await t.call('GET', `/api/v1/readings?device=${link.a.id}&from=${t0.toISOString()}&limit=3&cursor=${encodeURIComponent(paged.body.nextCursor)}`);
    expect(rest.body.items.map((r: { at: string }) => r.at)).toEqual([new Date(t0.getTime() + 15 * minute).toISOString()]);
  });

  describe('refuses bad input and stores nothing', () => {
    const good = () => reading({ device: link.a.id, ifName: link.aIf, at: new Date(t0.getTime() + 40 * minute) });
    const cases: [string, () => unknown, number, string, string?][] = [
      ['octets as a float', () => ({ ...good(), inOctets: '1.5' }), 400, 'validation_failed', 'readings.0.inOctets'],
      ['octets as a JSON number', () => ({ ...good(), inOctets: 15 }), 400, 'validation_failed', 'readings.0.inOctets'],
      ['negative octets', () => ({ ...good(), outOctets: '-1' }), 400, 'validation_failed', 'readings.0.outOctets'],
      ['octets over 2^64 − 1', () => ({ ...good(), inOctets: '18446744073709551616' }), 400, 'validation_failed', 'readings.0.inOctets'],
      ['32-bit counters over 2^32 − 1', () => ({ ...good(), counterBits: 32, inOctets: '4294967296' }), 400, 'validation_failed', 'readings.0.counterBits'],
      ['at more than 5 minutes in the future', () => ({ ...good(), at: new Date(t0.getTime() + 66 * minute).toISOString() }), 400, 'validation_failed', 'readings.0.at'],
      ['at unparsable', () => ({ ...good(), at: 'yesterday at noon' }), 400, 'validation_failed', 'readings.0.at'],
      ['at without an offset', () => ({ ...good(), at: '2025-03-03T00:40:00' }), 400, 'validation_failed', 'readings.0.at'],
      ['an unknown device', () => ({ ...good(), device: '999999999' }), 400, 'validation_failed', 'readings.0.device'],
      ['an unknown interface', () => ({ ...good(), ifName: 'Eth-Trunk99' }), 400, 'validation_failed', 'readings.0.ifName'],
      ['an unknown operStatus', () => ({ ...good(), operStatus: 'sideways' }), 400, 'validation_failed', 'readings.0.operStatus'],
      ['counterBits 16', () => ({ ...good(), counterBits: 16 }), 400, 'validation_failed', 'readings.0.counterBits'],
      ['an unknown field', () => ({ ...good(), ifIndex: 3 }), 400, 'validation_failed'],
    ];
    it.each(cases)('%s', async (_name, make, status, code, field) => {
      const before = await counts();
      // A good reading first: one bad reading refuses the whole batch.
      const reply = await t.call('POST', '/api/v1/readings', { token: poller.token, body: { readings: [good(), make()] } });
      expect(reply.status, reply.text).toBe(status);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.code).toBe(code);
      if (field) expect(reply.body.field).toBe(field.replace('readings.0', 'readings.1'));
      expect(reply.body.detail.length).toBeGreaterThan(10);
      expect(await counts()).toEqual(before);
    });

    it('a future `at` within 5 minutes is fine (agents’ clocks drift)', async () => {
      const reply = await post(t, poller.token, [reading({ device: link.a.id, ifName: link.aIf, at: new Date(t0.getTime() + 64 * minute) })]);
      expect(reply.status).toBe(200);
    });

    it('10,001 readings: 413 payload_too_large; 10,000 are accepted', async () => {
      const many = (n: number, offset: number) =>
        Array.from({ length: n }, (_, i) => reading({ device: link.z.id, ifName: link.zIf, at: new Date(t0.getTime() - (offset + i) * 1000), sysUpTime: 1_000_000 }));
      const before = await counts();
      const tooMany = await post(t, poller.token, many(10_001, 100_000));
      expect(tooMany.status).toBe(413);
      expect(tooMany.body.code).toBe('payload_too_large');
      expect(tooMany.body.detail).toMatch(/10,000/);
      expect(await counts()).toEqual(before);
      const justRight = await post(t, poller.token, many(10_000, 100_000));
      expect(justRight.status, justRight.text).toBe(200);
      expect(justRight.body.accepted).toBe(10_000);
    });

    it('an agent posting for a device not assigned to it: 403, nothing stored', async () => {
      const other = await agent(t);
      const before = await counts();
      const reply = await post(t, other.token, [reading({ device: link.a.id, ifName: link.aIf, at: new Date(t0.getTime() + 45 * minute) })]);
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe('forbidden');
      expect(reply.body.detail).toContain(link.a.hostname);
      expect(await counts()).toEqual(before);
      // An operator is no poller at all.
      const operator = await t.userToken('operator', '450100');
      expect((await post(t, operator, [reading({ device: link.a.id, ifName: link.aIf, at: new Date(t0.getTime() + 45 * minute) })])).status).toBe(403);
    });
  });

  it('turns readings into 5-minute utilization at the A end, dropping and counting a spike', async () => {
    const base = new Date('2025-03-02T00:00:00Z').getTime();
    // A end: 40 Mbps in (1,500,000,000 octets per 300 s) and 8 Mbps out (300,000,000); the 4th interval carries a
    // 7,500,000,000-octet jump (200 Mbps on a 100 Mbps circuit): a spike.
    const inc = [1_500_000_000n, 1_500_000_000n, 1_500_000_000n, 7_500_000_000n, 1_500_000_000n];
    let inOctets = 5_000n;
    let outOctets = 9_000n;
    const batch = [reading({ device: link.a.id, ifName: link.aIf, at: new Date(base), sysUpTime: 1_000_000, inOctets: String(inOctets), outOctets: String(outOctets) })];
    inc.forEach((d, i) => {
      inOctets += d;
      outOctets += 300_000_000n;
      batch.push(reading({ device: link.a.id, ifName: link.aIf, at: new Date(base + (i + 1) * 5 * minute), sysUpTime: 1_000_000 + (i + 1) * 30_000, inOctets: String(inOctets), outOctets: String(outOctets) }));
    });
    expect((await post(t, poller.token, batch)).status).toBe(200);
    const pass = await job.pass();
    expect(pass.rolledUp.interfaces).toBeGreaterThan(0);
    expect(await countRows(t, 'rollup_backlog')).toBe(0);
    const u = await t.call('GET', `/api/v1/links/${link.id}/utilization?from=${new Date(base).toISOString()}&to=${new Date(base + 25 * minute).toISOString()}`);
    expect(u.status, u.text).toBe(200);
    // 1,500,000,000 × 8 / 300 = 40,000,000 bps = 40 % of 100 Mbps; 300,000,000 × 8 / 300 = 8,000,000 = 8 %.
    expect(u.body.series.map((s: { inPercent: number | null }) => s.inPercent)).toEqual([40, 40, 40, null, 40]);
    expect(u.body.series[0]).toMatchObject({ inBps: 40_000_000, outBps: 8_000_000, outPercent: 8, source: 'a', sampleSeconds: 300 });
    expect(u.body.spikes).toBe(1);
    expect(u.body.p95InPercent).toBeCloseTo(40, 6);
    expect(u.body.peakPercent).toBeCloseTo(40, 6);
    // The rollup is idempotent: nothing in the backlog, nothing rebuilt.
    expect((await job.pass()).rolledUp).toEqual({ interfaces: 0, buckets: 0 });
  });

  it('uses the Z end, directions swapped, where only it was read', async () => {
    const zAgent = await agent(t);
    const only = await boundaryLink(t, { agent: zAgent, capacityMbps: 50, payingUnit: '450102' });
    const base = new Date('2025-03-02T06:00:00Z').getTime();
    // Z end: 12.5 Mbps in (468,750,000 octets per 300 s), 25 Mbps out (937,500,000). Into A = out of Z.
    const batch = [0, 1, 2].map((k) =>
      reading({ device: only.z.id, ifName: only.zIf, at: new Date(base + k * 5 * minute), sysUpTime: 2_000_000 + k * 30_000, inOctets: String(468_750_000 * k), outOctets: String(937_500_000 * k) }),
    );
    expect((await post(t, zAgent.token, batch)).status).toBe(200);
    await job.pass();
    const u = await t.call('GET', `/api/v1/links/${only.id}/utilization?from=${new Date(base).toISOString()}&to=${new Date(base + 10 * minute).toISOString()}`);
    // 25 Mbps of 50 = 50 % into A; 12.5 of 50 = 25 % out of A.
    expect(u.body.series).toEqual([
      expect.objectContaining({ source: 'z', inBps: 25_000_000, outBps: 12_500_000, inPercent: 50, outPercent: 25 }),
      expect.objectContaining({ source: 'z', inBps: 25_000_000, outBps: 12_500_000, inPercent: 50, outPercent: 25 }),
    ]);
  });

  it('a replayed old batch rebuilds the buckets it changes', async () => {
    const base = new Date('2025-03-01T00:00:00Z').getTime();
    const at = (k: number) => new Date(base + k * 5 * minute);
    // 20 Mbps: 750,000,000 octets per 300 s. Readings 0, 1, 3 first; 2 arrives later from the spool.
    const r = (k: number) => reading({ device: link.a.id, ifName: link.aIf, at: at(k), sysUpTime: 3_000_000 + k * 30_000, inOctets: String(750_000_000 * k) });
    await post(t, poller.token, [r(0), r(1), r(3)]);
    await job.pass();
    const url = `/api/v1/links/${link.id}/utilization?from=${at(0).toISOString()}&to=${at(3).toISOString()}`;
    const before = await t.call('GET', url);
    // The 1 → 3 interval (600 s, one missed poll) gives buckets 1 and 2 the same mean.
    expect(before.body.series.map((s: { inPercent: number }) => s.inPercent)).toEqual([20, 20, 20]);
    // Now reading 2 arrives with a burst: 1,500,000,000 octets in 1 → 2 (40 Mbps), so 2 → 3 carries 0.
    await post(t, poller.token, [reading({ device: link.a.id, ifName: link.aIf, at: at(2), sysUpTime: 3_060_000, inOctets: String(750_000_000 + 1_500_000_000) })]);
    await job.pass();
    const after = await t.call('GET', url);
    expect(after.body.series.map((s: { inPercent: number }) => s.inPercent)).toEqual([20, 40, 0]);
  });

  it('a link registered after its interfaces were read gets its buckets from theirs', async () => {
    const dept = await department(t, '450102');
    const a = await device(t, { role: 'pe', owner: '450100', interfaces: ['Eth-Trunk1'], agent: poller });
    const z = await device(t, { role: 'boundary', owner: dept, interfaces: ['GE1/0/1'], agent: poller });
    const base = new Date('2025-03-02T12:00:00Z').getTime();
    // 2,343,750 octets per 300 s = 62,500 bps.
    await post(
      t,
      poller.token,
      [0, 1, 2].map((k) => reading({ device: a.id, ifName: 'Eth-Trunk1', at: new Date(base + k * 5 * minute), sysUpTime: 4_000_000 + k * 30_000, inOctets: String(2_343_750 * k) })),
    );
    await job.pass();
    const created = await t.call('POST', '/api/v1/links', {
      body: { name: 'late-link', aDevice: a.id, aInterface: 'Eth-Trunk1', zDevice: z.id, zInterface: 'GE1/0/1', capacityMbps: 10, payingUnit: '450102' },
    });
    expect(created.status, created.text).toBe(201);
    await job.pass();
    const u = await t.call('GET', `/api/v1/links/${created.body.id}/utilization?from=${new Date(base).toISOString()}&to=${new Date(base + 10 * minute).toISOString()}`);
    // 62,500 bps of 10 Mbps = 0.625 %.
    expect(u.body.series.map((b: { inPercent: number }) => b.inPercent)).toEqual([0.625, 0.625]);
  });

  it('prunes raw readings and rollups past their retention; a replay from beyond it leaves old buckets alone', async () => {
    const old = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    // Three days before the clock: 30 Mbps (1,125,000,000 octets per 300 s).
    const base = t.clock.now.getTime() - 3 * 24 * 60 * minute;
    const r = (k: number) => reading({ device: old.a.id, ifName: old.aIf, at: new Date(base + k * 5 * minute), sysUpTime: 6_000_000 + k * 30_000, inOctets: String(1_125_000_000 * k) });
    await post(t, poller.token, [r(0), r(1), r(2)]);
    await job.pass();
    const url = `/api/v1/links/${old.id}/utilization?from=${new Date(base).toISOString()}&to=${new Date(base + 10 * minute).toISOString()}`;
    expect((await t.call('GET', url)).body.series.map((b: { inPercent: number }) => b.inPercent)).toEqual([30, 30]);

    const readingsOf = async () => (await t.call('GET', `/api/v1/readings?device=${old.a.id}&from=${new Date(base - minute).toISOString()}&to=${new Date(base + 20 * minute).toISOString()}`)).body.items.length;
    expect(await readingsOf()).toBe(3);
    const prunes = async () => (await t.call('GET', '/api/v1/audit?action=telemetry.prune')).body.items;
    const prunesBefore = (await prunes()).length;
    const shortRaw = new TelemetryJob(t.database.db, t.config, { now: () => t.clock.now, settings: { ...job.settings, readingsRetentionDays: 2 } });
    const pruned = await shortRaw.pass();
    expect(pruned.pruned.readings).toBeGreaterThanOrEqual(3);
    expect(await readingsOf()).toBe(0);
    // One summary entry for the pass, with what it deleted from each table.
    const recorded = await prunes();
    expect(recorded).toHaveLength(prunesBefore + 1);
    expect(recorded[0]).toMatchObject({ actor: 'system', objectType: 'telemetry', objectId: 'retention', after: { pruned: pruned.pruned, retentionDays: { readings: 2 } } });
    // A pass with nothing past retention deletes nothing and records nothing.
    expect((await shortRaw.pass()).pruned).toEqual({ readings: 0, interfaceRollups: 0, linkRollups: 0, deviceChecks: 0 });
    expect(await prunes()).toHaveLength(prunesBefore + 1);
    expect((await t.call('GET', url)).body.series).toHaveLength(2);

    // The agent's spool replays the middle reading: stored again, but the buckets of that day stay as they were.
    expect((await post(t, poller.token, [r(1)])).body.accepted).toBe(1);
    await shortRaw.pass();
    expect((await t.call('GET', url)).body.series.map((b: { inPercent: number }) => b.inPercent)).toEqual([30, 30]);

    const shortRollups = new TelemetryJob(t.database.db, t.config, { now: () => t.clock.now, settings: { ...job.settings, rollupsRetentionDays: 2 } });
    expect((await shortRollups.pass()).pruned.linkRollups).toBeGreaterThanOrEqual(2);
    expect((await t.call('GET', url)).body.series).toEqual([]);
  });

  it('serves the readings and utilization only to readers', async () => {
    expect((await t.call('GET', `/api/v1/readings?device=${link.a.id}`, { token: poller.token })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/links/${link.id}/utilization`, { token: null })).status).toBe(401);
    expect((await t.call('GET', `/api/v1/links/999999/utilization`)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/readings?device=999999`)).status).toBe(404);
  });
});
