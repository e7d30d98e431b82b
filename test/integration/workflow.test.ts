// Applications, review deadlines on the official calendar, and access agreements (issue 10),
// through app.request() on PGlite and PostgreSQL.
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { WorkflowJob } from '../../server/modules/applications/job.js';
import { calendarYears } from '../../server/modules/calendar/schema.js';
import { lockCalendar } from '../../server/modules/calendar/store.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

const holidayCn2027 = JSON.parse(fs.readFileSync(new URL('../fixtures/holiday-cn/2027.json', import.meta.url), 'utf8'));

/** Thursday 2026-12-10, 10:00 in Shanghai. */
const thursday = new Date('2026-12-10T02:00:00Z');
const shanghai = (date: string, hour = 10) => new Date(`${date}T${String(hour - 8).padStart(2, '0')}:00:00Z`);

const accessBody = (applicant: string, over: Record<string, unknown> = {}) => ({
  type: 'access',
  applicant,
  zones: ['public'],
  bandwidthMbps: 100,
  securityLevel: 3,
  secrecyCheck: { done: true, classified: false },
  systems: [{ name: '不动产登记系统' }],
  contact: { name: '李明', phone: '0771-5551234' },
  boundaryResponsible: { name: '韦工', phone: '0771-5550000' },
  ...over,
});

interface World {
  t: TestApp;
  dept: string;
  otherDept: string;
  countyDept: string;
  applicant: string;
  otherApplicant: string;
  countyApplicant: string;
  operator: string;
  countyOperator: string;
  outOperator: string;
  auditor: string;
}

async function world(backend: 'pglite' | 'postgres'): Promise<World> {
  const t = await startTestApp(backend);
  t.clock.now = thursday;
  const department = async (code: string, parent: string, name: string) => {
    const r = await t.call('POST', '/api/v1/units', { body: { code, name, parent, kind: 'department' } });
    if (r.status !== 201) throw new Error(r.text);
    return code;
  };
  const dept = await department('WF-NN-BDC', '450100', '南宁市不动产登记中心');
  const otherDept = await department('WF-NN-EDU', '450100', '南宁市教育局');
  const countyDept = await department('WF-XN-BDC', '450102', '兴宁区不动产登记中心');
  return {
    t,
    dept,
    otherDept,
    countyDept,
    applicant: await t.userToken('applicant', dept),
    otherApplicant: await t.userToken('applicant', otherDept),
    countyApplicant: await t.userToken('applicant', countyDept),
    operator: await t.userToken('operator', '450100'),
    countyOperator: await t.userToken('operator', '450102'),
    outOperator: await t.userToken('operator', '450200'),
    auditor: await t.userToken('auditor', '450000'),
  };
}

async function deliveries(t: TestApp, type: string): Promise<number> {
  const [row] = await rows<{ n: string | number }>(t.database.db, sql`SELECT count(*) AS n FROM webhook_deliveries WHERE event_type = ${type}`);
  return Number(row.n);
}

describe.each(backends)('applications and agreements on %s', (backend) => {
  let w: World;
  let t: TestApp;
  beforeAll(async () => {
    w = await world(backend);
    t = w.t;
    // The city's receiver of every workflow event.
    const hook = await t.call('POST', '/api/v1/webhooks', {
      body: { unit: '450100', url: 'https://10.45.0.9/events', secret: 'workflow-webhook-secret', events: ['application.submitted', 'application.accepted', 'application.decided', 'application.deadline_near', 'agreement.effective'] },
    });
    expect(hook.status, hook.text).toBe(201);
  });
  afterAll(async () => w?.t.close());

  it('access end to end: submit → accept (deadline on the calendar) → approve with an opinion → both sign → effective', async () => {
    const submitted = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept) });
    expect(submitted.status, submitted.text).toBe(201);
    // A department applies to its own division's O&M unit; acceptance within 5 working days of Thursday 12-10.
    expect(submitted.body).toMatchObject({ type: 'access', status: 'submitted', applicant: w.dept, reviewer: '450100', reviewerName: '南宁市', acceptBy: '2026-12-17', provisional: false, workdaysLeft: 5, overdue: false });
    const id = submitted.body.id;
    expect(await deliveries(t, 'application.submitted')).toBe(1);

    t.clock.now = shanghai('2026-12-11');
    const accepted = await t.call('POST', `/api/v1/applications/${id}/accept`, { token: w.operator });
    expect(accepted.status, accepted.text).toBe(200);
    // Friday 12-11 + 15 working days: 12-14…18, 12-21…25, 12-28…31, 2027-01-01 by the weekday rule — 2027 unknown, so provisional.
    expect(accepted.body).toMatchObject({ status: 'accepted', acceptedBy: expect.any(String), deadline: '2027-01-01', provisional: true, workdaysLeft: 15 });
    expect(await deliveries(t, 'application.accepted')).toBe(1);

    // The applicant sees it; another department of the same city does not (404, ids reveal nothing).
    expect((await t.call('GET', `/api/v1/applications/${id}`, { token: w.applicant })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/applications/${id}`, { token: w.otherApplicant })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/applications/${id}`, { token: w.countyOperator })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/applications/${id}`, { token: w.auditor })).status).toBe(200);
    const queue = await t.call('GET', '/api/v1/applications?status=accepted', { token: w.operator });
    expect(queue.body.items.map((a: { id: string }) => a.id)).toContain(id);
    expect((await t.call('GET', '/api/v1/applications', { token: w.otherApplicant })).body.items).toEqual([]);

    const approved = await t.call('POST', `/api/v1/applications/${id}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意接入。\n请落实边界设备专人管理。' } });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', opinion: '同意接入。\n请落实边界设备专人管理。', workdaysLeft: null, agreementId: expect.any(String) });
    expect(await deliveries(t, 'application.decided')).toBe(1);

    const agreementPath = `/api/v1/agreements/${approved.body.agreementId}`;
    const agreement = await t.call('GET', agreementPath, { token: w.applicant });
    expect(agreement.status).toBe(200);
    expect(agreement.body).toMatchObject({ applicationId: id, applicant: w.dept, operator: '450100', status: 'pending', signatures: [] });
    for (const part of ['南宁市不动产登记中心', '100 Mbps', '第三级', '不得擅自移动、挪用、改造、破坏', '韦工，联系电话 0771-5550000', '非政务外网业务', '涉密']) expect(agreement.body.text).toContain(part);
    expect((await t.call('GET', agreementPath, { token: w.otherApplicant })).status).toBe(404);

    // Only the right party's user signs; each party once.
    const applicantAsOperator = await t.call('POST', `${agreementPath}/signatures`, { token: w.applicant, body: { party: 'operator', signerName: '李明' } });
    expect(applicantAsOperator.status).toBe(403);
    const operatorAsApplicant = await t.call('POST', `${agreementPath}/signatures`, { token: w.operator, body: { party: 'applicant', signerName: '王工' } });
    expect(operatorAsApplicant.status).toBe(403);
    const first = await t.call('POST', `${agreementPath}/signatures`, { token: w.applicant, body: { party: 'applicant', signerName: '李明' } });
    expect(first.status, first.text).toBe(200);
    expect(first.body.status).toBe('pending');
    // The database refuses an agreement in effect with one signature, whoever writes it.
    await expect(t.database.db.execute(sql`UPDATE agreements SET status = 'effective', effective_at = now() WHERE id = ${Number(approved.body.agreementId)}`)).rejects.toThrow();
    const again = await t.call('POST', `${agreementPath}/signatures`, { token: w.applicant, body: { party: 'applicant', signerName: '李明' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
    const outside = await t.call('POST', `${agreementPath}/signatures`, { token: w.outOperator, body: { party: 'operator', signerName: '柳工' } });
    expect(outside.status).toBe(403);
    const second = await t.call('POST', `${agreementPath}/signatures`, { token: w.operator, body: { party: 'operator', signerName: '王工' } });
    expect(second.status, second.text).toBe(200);
    expect(second.body).toMatchObject({ status: 'effective', effectiveAt: expect.any(String) });
    expect(second.body.signatures.map((s: { party: string; signerName: string }) => `${s.party}:${s.signerName}`)).toEqual(['applicant:李明', 'operator:王工']);
    expect(await deliveries(t, 'agreement.effective')).toBe(1);
    expect((await t.call('GET', '/api/v1/agreements?status=effective', { token: w.applicant })).body.items).toHaveLength(1);
    expect((await t.call('GET', '/api/v1/agreements', { token: w.otherApplicant })).body.items).toHaveLength(0);
    t.clock.now = thursday;
  });

  it('refuses what article 19 refuses, changing nothing: no secrecy check, a classified system (422 with the reason)', async () => {
    const before = await countRows(t, 'applications');
    const audit = await countRows(t, 'audit_entries');
    const notChecked = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept, { secrecyCheck: { done: false, classified: false } }) });
    expect(notChecked.status).toBe(422);
    expect(notChecked.headers.get('content-type')).toContain('application/problem+json');
    expect(notChecked.body).toMatchObject({ code: 'rule_violation', field: 'secrecyCheck.done' });
    expect(notChecked.body.detail).toContain('secrecy check');
    const classified = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept, { secrecyCheck: { done: true, classified: true } }) });
    expect(classified.status).toBe(422);
    expect(classified.body).toMatchObject({ code: 'rule_violation', field: 'secrecyCheck.classified' });
    expect(classified.body.detail).toContain('classified');
    const missing = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept, { secrecyCheck: undefined }) });
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe('secrecyCheck');
    expect(await countRows(t, 'applications')).toBe(before);
    expect(await countRows(t, 'audit_entries')).toBe(audit);
  });

  it('refuses a security level of 0 or 6, negative bandwidth or storage, missing parts by type (400 naming the field)', async () => {
    const before = await countRows(t, 'applications');
    for (const [body, field] of [
      [accessBody(w.dept, { securityLevel: 0 }), 'securityLevel'],
      [accessBody(w.dept, { securityLevel: 6 }), 'securityLevel'],
      [accessBody(w.dept, { bandwidthMbps: -1 }), 'bandwidthMbps'],
      [accessBody(w.dept, { type: 'deployment', compute: { vcpu: 4, memoryGiB: 8 }, storageGiB: -5 }), 'storageGiB'],
      [accessBody(w.dept, { type: 'deployment' }), 'compute'],
      [accessBody(w.dept, { systems: [] }), 'systems'],
      [{ type: 'ip', applicant: w.dept, contact: { name: '李明', phone: '0771-5551234' } }, 'ip'],
      [{ type: 'ip', applicant: w.dept, contact: { name: '李明', phone: '0771-5551234' }, ip: { vrf: 'public', prefixLength: 24, addressCount: 200 } }, 'ip'],
    ] as const) {
      const reply = await t.call('POST', '/api/v1/applications', { token: w.applicant, body });
      expect(reply.status, `${field}: ${reply.text}`).toBe(400);
      expect(reply.body.code).toBe('validation_failed');
      expect(String(reply.body.field)).toContain(field);
    }
    expect(await countRows(t, 'applications')).toBe(before);
  });

  it('a decision waits for acceptance (409), a rejection for its opinion (400), and comes only from the reviewer (403 outside scope)', async () => {
    const { body: app } = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept) });
    const path = `/api/v1/applications/${app.id}`;
    const early = await t.call('POST', `${path}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意' } });
    expect(early.status).toBe(409);
    expect(early.body.detail).toContain('accept');
    expect((await t.call('POST', `${path}/accept`, { token: w.countyOperator })).status).toBe(403);
    expect((await t.call('POST', `${path}/accept`, { token: w.outOperator })).status).toBe(403);
    expect((await t.call('POST', `${path}/accept`, { token: w.applicant })).status).toBe(403);
    expect((await t.call('POST', `${path}/accept`, { token: w.operator })).status).toBe(200);
    expect((await t.call('POST', `${path}/accept`, { token: w.operator })).status).toBe(409);
    const audit = await countRows(t, 'audit_entries');
    const outOfScope = await t.call('POST', `${path}/decision`, { token: w.outOperator, body: { decision: 'approve', opinion: '同意' } });
    expect(outOfScope.status).toBe(403);
    expect(outOfScope.body.code).toBe('forbidden');
    expect((await t.call('POST', `${path}/decision`, { token: w.countyOperator, body: { decision: 'approve', opinion: '同意' } })).status).toBe(403);
    const bare = await t.call('POST', `${path}/decision`, { token: w.operator, body: { decision: 'reject', opinion: '  ' } });
    expect(bare.status).toBe(400);
    expect(bare.body.field).toBe('opinion');
    expect(await countRows(t, 'audit_entries')).toBe(audit);
    const rejected = await t.call('POST', `${path}/decision`, { token: w.operator, body: { decision: 'reject', opinion: '带宽需求依据不足，请补充业务量测算。' } });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', agreementId: null });
    expect((await t.call('POST', `${path}/withdraw`, { token: w.applicant })).status).toBe(409);
  });

  it('a joint application is approved only once every co-applicant confirmed', async () => {
    const { body: app, status } = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept, { coApplicants: [w.otherDept, w.countyDept] }) });
    expect(status).toBe(201);
    const path = `/api/v1/applications/${app.id}`;
    expect(app.confirmations.map((c: { unit: string; confirmedAt: string | null }) => [c.unit, c.confirmedAt])).toEqual([
      [w.otherDept, null],
      [w.countyDept, null],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    // Co-applicants read the application they are asked to confirm.
    expect((await t.call('GET', path, { token: w.otherApplicant })).status).toBe(200);
    await t.call('POST', `${path}/accept`, { token: w.operator });
    const confirmed = await t.call('POST', `${path}/confirm`, { token: w.otherApplicant });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect((await t.call('POST', `${path}/confirm`, { token: w.otherApplicant })).status).toBe(409);
    // The applicant itself confirms for nobody.
    expect((await t.call('POST', `${path}/confirm`, { token: w.applicant })).status).toBe(403);
    const early = await t.call('POST', `${path}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意' } });
    expect(early.status).toBe(422);
    expect(early.body.waiting).toEqual([w.countyDept]);
    expect((await t.call('GET', path, { token: w.operator })).body.status).toBe('accepted');
    expect((await t.call('POST', `${path}/confirm?unit=${w.countyDept}`, { token: w.countyApplicant })).status).toBe(200);
    const approved = await t.call('POST', `${path}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意联合接入' } });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.confirmations.every((c: { confirmedAt: string | null }) => c.confirmedAt !== null)).toBe(true);
  });

  it('the applicant withdraws before the decision, once', async () => {
    const { body: app } = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept) });
    expect((await t.call('POST', `/api/v1/applications/${app.id}/withdraw`, { token: w.otherApplicant })).status).toBe(403);
    const withdrawn = await t.call('POST', `/api/v1/applications/${app.id}/withdraw`, { token: w.applicant });
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', withdrawnAt: expect.any(String) });
    expect((await t.call('POST', `/api/v1/applications/${app.id}/withdraw`, { token: w.applicant })).status).toBe(409);
    expect((await t.call('POST', `/api/v1/applications/${app.id}/accept`, { token: w.operator })).status).toBe(409);
  });

  describe('ip and domain approvals allocate in the decision’s transaction', () => {
    let cityPrefix: string;
    let cityZone: string;
    beforeAll(async () => {
      const pool = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: '10.40.0.0/14', holder: '450000', description: '自治区' } });
      expect(pool.status, pool.text).toBe(201);
      const city = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 16, holder: '450100', status: 'allocated', description: '南宁' } });
      expect(city.status, city.text).toBe(201);
      cityPrefix = city.body.cidr;
      // An IPv6 pool of the city in the same VRF: a v4 request must not land in it, nor a v6 one in the v4 space.
      const pool6 = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: 'fd45::/32', holder: '450000', description: '自治区 IPv6' } });
      expect(pool6.status, pool6.text).toBe(201);
      const city6 = await t.call('POST', `/api/v1/prefixes/${pool6.body.id}/allocate`, { body: { prefixLength: 40, holder: '450100', status: 'allocated', description: '南宁 IPv6' } });
      expect(city6.status, city6.text).toBe(201);
      const root = await t.call('POST', '/api/v1/domains', { body: { name: 'wf.gxzw.example', holder: '450000', nameservers: [{ name: 'ns1.example.net' }] } });
      expect(root.status, root.text).toBe(201);
      const zone = await t.call('POST', `/api/v1/domains/${root.body.id}/delegate`, { body: { label: 'nanning', holder: '450100', nameservers: [{ name: 'ns1.example.net' }] } });
      expect(zone.status, zone.text).toBe(201);
      cityZone = zone.body.id;
    });

    const ipApp = async (token: string, applicant: string, ip: Record<string, unknown>) => {
      const r = await t.call('POST', '/api/v1/applications', { token, body: { type: 'ip', applicant, ip, contact: { name: '李明', phone: '0771-5551234' } } });
      expect(r.status, r.text).toBe(201);
      expect((await t.call('POST', `/api/v1/applications/${r.body.id}/accept`, { token: w.operator })).status).toBe(200);
      return r.body.id as string;
    };

    it('a department’s ip approval assigns a prefix from the reviewer’s pool', async () => {
      const id = await ipApp(w.applicant, w.dept, { vrf: 'public', addressCount: 200 });
      const approved = await t.call('POST', `/api/v1/applications/${id}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意分配' } });
      expect(approved.status, approved.text).toBe(200);
      const prefix = approved.body.result.prefix;
      expect(prefix).toMatchObject({ status: 'assigned', holder: { code: w.dept } });
      expect(prefix.cidr).toMatch(/^10\.40\.\d+\.0\/24$/);
      expect(cityPrefix).toBe('10.40.0.0/16');
      const stored = await t.call('GET', `/api/v1/prefixes/${prefix.id}`, { token: w.applicant });
      expect(stored.status).toBe(200);
      expect(stored.body.parentId).toBeTruthy();
      const v6 = await ipApp(w.applicant, w.dept, { vrf: 'public', prefixLength: 56 });
      const approved6 = await t.call('POST', `/api/v1/applications/${v6}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意分配 IPv6' } });
      expect(approved6.status, approved6.text).toBe(200);
      expect(approved6.body.result.prefix).toMatchObject({ family: 6, status: 'assigned' });
      expect(approved6.body.result.prefix.cidr.startsWith('fd45:')).toBe(true);
      expect(approved6.body.result.prefix.cidr.endsWith('/56')).toBe(true);
    });

    it('a county’s ip approval allocates (article 21: one level up)', async () => {
      const r = await t.call('POST', '/api/v1/applications', { token: w.countyOperator, body: { type: 'ip', applicant: '450102', ip: { vrf: 'public', prefixLength: 20 }, contact: { name: '黄工', phone: '0771-5552222' } } });
      expect(r.status, r.text).toBe(201);
      expect(r.body.reviewer).toBe('450100');
      expect((await t.call('POST', `/api/v1/applications/${r.body.id}/accept`, { token: w.countyOperator })).status).toBe(403);
      await t.call('POST', `/api/v1/applications/${r.body.id}/accept`, { token: w.operator });
      const approved = await t.call('POST', `/api/v1/applications/${r.body.id}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意' } });
      expect(approved.status, approved.text).toBe(200);
      expect(approved.body.result.prefix).toMatchObject({ status: 'allocated', holder: { code: '450102' } });
    });

    it('concurrent approvals: one decision per application, distinct prefixes for distinct applications', async () => {
      const [a, b] = [await ipApp(w.applicant, w.dept, { vrf: 'public', prefixLength: 26 }), await ipApp(w.applicant, w.dept, { vrf: 'public', prefixLength: 26 })];
      const before = await countRows(t, 'prefixes');
      const decide = (id: string) => t.call('POST', `/api/v1/applications/${id}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意' } });
      const replies = await Promise.all([decide(a), decide(a), decide(b), decide(b)]);
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(2);
      expect(statuses.filter((s) => s === 409)).toHaveLength(2);
      expect(await countRows(t, 'prefixes')).toBe(before + 2);
      const cidrs = replies.filter((r) => r.status === 200).map((r) => r.body.result.prefix.cidr);
      expect(new Set(cidrs).size).toBe(2);
    });

    it('an allocation that fails fails the decision, and nothing is half done', async () => {
      const id = await ipApp(w.applicant, w.dept, { vrf: 'public', prefixLength: 12 });
      const before = { prefixes: await countRows(t, 'prefixes'), audit: await countRows(t, 'audit_entries'), events: await deliveries(t, 'application.decided') };
      const failed = await t.call('POST', `/api/v1/applications/${id}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意' } });
      expect(failed.status).toBe(409);
      expect(failed.body.code).toBe('pool_exhausted');
      // A pool of another holder is refused too.
      const { body: regionPools } = await t.call('GET', '/api/v1/prefixes?holder=450000');
      const foreign = await t.call('POST', `/api/v1/applications/${id}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意', pool: regionPools.items[0].id } });
      expect(foreign.status).toBe(422);
      expect({ prefixes: await countRows(t, 'prefixes'), audit: await countRows(t, 'audit_entries'), events: await deliveries(t, 'application.decided') }).toEqual(before);
      expect((await t.call('GET', `/api/v1/applications/${id}`)).body).toMatchObject({ status: 'accepted', result: null, decidedAt: null });
    });

    it('a domain approval delegates the label; a taken label fails the decision whole', async () => {
      const body = (label: string) => ({ type: 'domain', applicant: w.dept, domain: { parentId: cityZone, label, nameservers: [{ name: 'ns1.example.net' }] }, contact: { name: '李明', phone: '0771-5551234' } });
      const first = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: body('bdc') });
      expect(first.status, first.text).toBe(201);
      const second = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: body('bdc') });
      for (const id of [first.body.id, second.body.id]) await t.call('POST', `/api/v1/applications/${id}/accept`, { token: w.operator });
      const approved = await t.call('POST', `/api/v1/applications/${first.body.id}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意' } });
      expect(approved.status, approved.text).toBe(200);
      expect(approved.body.result.domain).toMatchObject({ name: 'bdc.nanning.wf.gxzw.example', holder: { code: w.dept } });
      const audit = await countRows(t, 'audit_entries');
      const taken = await t.call('POST', `/api/v1/applications/${second.body.id}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意' } });
      expect(taken.status).toBe(409);
      expect(await countRows(t, 'audit_entries')).toBe(audit);
      expect((await t.call('GET', `/api/v1/applications/${second.body.id}`)).body.status).toBe('accepted');
    });
  });

  it('a county plan goes to the city and, approved, is filed with the region information center', async () => {
    const r = await t.call('POST', '/api/v1/applications', {
      token: w.countyOperator,
      body: { type: 'plan', applicant: '450102', plan: { title: '兴宁区电子政务外网扩容方案', scope: '县级节点链路扩容至 1000 Mbps', document: '一、现状\n二、方案' }, contact: { name: '黄工', phone: '0771-5552222' } },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.body.reviewer).toBe('450100');
    await t.call('POST', `/api/v1/applications/${r.body.id}/accept`, { token: w.operator });
    const approved = await t.call('POST', `/api/v1/applications/${r.body.id}/decision`, { token: w.operator, body: { decision: 'approve', opinion: '同意，报自治区备案' } });
    expect(approved.body).toMatchObject({ status: 'approved', filedWith: '450000', filedAt: expect.any(String) });
    const regionOperator = await t.userToken('operator', '450000');
    const filed = await t.call('GET', '/api/v1/applications?filed=true', { token: regionOperator });
    expect(filed.body.items.map((a: { id: string }) => a.id)).toEqual([r.body.id]);
    // The region's own plan goes to the admin, not to an operator of the region.
    const own = await t.call('POST', '/api/v1/applications', { token: regionOperator, body: { type: 'plan', applicant: '450000', plan: { title: '全区方案', scope: '全区', document: '方案' }, contact: { name: '覃工', phone: '0771-5553333' } } });
    expect(own.body).toMatchObject({ reviewer: '450000', adminReview: true });
    expect((await t.call('POST', `/api/v1/applications/${own.body.id}/accept`, { token: regionOperator })).status).toBe(403);
    expect((await t.call('POST', `/api/v1/applications/${own.body.id}/accept`)).status).toBe(200);
  });

  it('turns an expansion request into a plan application with its evidence; only the paying unit may', async () => {
    const device = async (hostname: string, owner: string) => {
      const r = await t.call('POST', '/api/v1/devices', { body: { hostname, role: 'aggregation', vendor: 'h3c', ownerUnit: owner, interfaces: [{ name: 'GE1/0/1' }] } });
      expect(r.status, r.text).toBe(201);
      return r.body.id as string;
    };
    const link = await t.call('POST', '/api/v1/links', {
      body: { name: '南宁—兴宁', aDevice: await device(`wf-nn-${backend}`, '450100'), aInterface: 'GE1/0/1', zDevice: await device(`wf-xn-${backend}`, '450102'), zInterface: 'GE1/0/1', capacityMbps: 100, payingUnit: '450102' },
    });
    expect(link.status, link.text).toBe(201);
    const [request] = await rows<{ id: string | number }>(
      t.database.db,
      sql`INSERT INTO expansion_requests (link_id, unit_code, status, evidence, current_mbps, recommended_mbps, raised_at, evaluated_at)
          VALUES (${Number(link.body.id)}, '450102', 'open', ${JSON.stringify({ p95In: 78, p95Out: 31, samples: 2016 })}::jsonb, 100, 200, now(), now()) RETURNING id`,
    );
    const plan = (applicant: string) => ({
      type: 'plan',
      applicant,
      plan: { title: '兴宁链路扩容方案', scope: '100 Mbps → 200 Mbps', document: '依据扩容申请的 7 天 95 百分位利用率。', expansionRequestId: String(request.id) },
      contact: { name: '黄工', phone: '0771-5552222' },
    });
    const made = await t.call('POST', '/api/v1/applications', { token: w.countyOperator, body: plan('450102') });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({ type: 'plan', reviewer: '450100', expansionRequestId: String(request.id) });
    expect(made.body.plan.evidence).toMatchObject({ link: String(link.body.id), currentMbps: 100, recommendedMbps: 200, evidence: { p95In: 78 } });
    const notPaying = await t.call('POST', '/api/v1/applications', { token: w.operator, body: plan('450100') });
    expect(notPaying.status).toBe(422);
    expect(notPaying.body.field).toBe('plan.expansionRequestId');
  });

  it('lists overdue applications and sends application.deadline_near 3 working days before, once per date', async () => {
    t.clock.now = thursday;
    const { body: app } = await t.call('POST', '/api/v1/applications', { token: w.countyApplicant, body: accessBody(w.countyDept) });
    expect(app).toMatchObject({ reviewer: '450102', acceptBy: '2026-12-17' });
    const hook = await t.call('POST', '/api/v1/webhooks', { body: { unit: '450102', url: 'https://10.45.0.10/events', secret: 'county-webhook-secret', events: ['application.deadline_near'] } });
    const countyReminders = async () => {
      const [row] = await rows<{ n: string | number }>(t.database.db, sql`SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = ${Number(hook.body.id)} AND event_type = 'application.deadline_near' AND (body::jsonb #>> '{data,id}') = ${app.id}`);
      return Number(row.n);
    };
    const job = new WorkflowJob(t.database.db, t.config, { now: () => t.clock.now });
    const mine = <T extends { id: string }>(sent: T[]) => sent.filter((s) => s.id === app.id);
    expect(mine(await job.pass())).toEqual([]); // 5 working days left
    t.clock.now = shanghai('2026-12-14'); // Monday: 12-15, 12-16, 12-17 → 3 left
    // Two servers' passes at once: one reminder.
    const [one, two] = await Promise.all([job.pass(), new WorkflowJob(t.database.db, t.config, { now: () => t.clock.now }).pass()]);
    expect([...mine(one), ...mine(two)]).toEqual([{ id: app.id, kind: 'accept', date: '2026-12-17', workdaysLeft: 3 }]);
    expect(mine(await job.pass())).toEqual([]);
    t.clock.now = shanghai('2026-12-18');
    const overdue = await t.call('GET', '/api/v1/applications?overdue=true', { token: w.countyOperator });
    expect(overdue.body.items.map((a: { id: string }) => a.id)).toContain(app.id);
    expect(overdue.body.items.every((a: { overdue: boolean; workdaysLeft: number }) => a.overdue && a.workdaysLeft < 0)).toBe(true);
    expect(overdue.body.items.find((a: { id: string }) => a.id === app.id)).toMatchObject({ overdue: true, workdaysLeft: -1 });
    expect((await t.call('GET', '/api/v1/applications?overdue=false', { token: w.countyOperator })).body.items.map((a: { id: string }) => a.id)).not.toContain(app.id);
    // Accepted late, the review deadline runs from acceptance and gets its own reminder.
    await t.call('POST', `/api/v1/applications/${app.id}/accept`, { token: w.countyOperator });
    t.clock.now = shanghai('2027-01-05');
    expect(mine(await job.pass()).map((s) => s.kind)).toEqual(['review']);
    // The county's receiver heard both reminders of this application, once each.
    expect(await countyReminders()).toBe(2);
    t.clock.now = thursday;
  });
  it('lists the queue by running date, page by page, with nothing lost or repeated', async () => {
    const all = (await t.call('GET', '/api/v1/applications?limit=1000')).body.items as { id: string; status: string; acceptBy: string; deadline: string | null }[];
    const dueOf = (a: (typeof all)[number]) => (a.status === 'submitted' ? a.acceptBy : (a.deadline ?? a.acceptBy));
    const seen: (typeof all)[number][] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: typeof all; nextCursor: string | null } } = await t.call('GET', `/api/v1/applications?sort=due&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.map((a) => a.id).sort()).toEqual(all.map((a) => a.id).sort());
    const dues = seen.map(dueOf);
    expect(dues).toEqual([...dues].sort());
    expect(new Set(dues).size).toBeGreaterThan(2);
    expect((await t.call('GET', '/api/v1/applications?sort=due&cursor=2026-02-30|5')).status).toBe(400);
  });
});


describe.each(backends)('loading a calendar year on %s', (backend) => {
  let w: World;
  let t: TestApp;
  beforeAll(async () => {
    w = await world(backend);
    t = w.t;
  });
  afterAll(async () => w?.t.close());

  it('answers add-workdays on the packaged calendar, provisional past it', async () => {
    expect((await t.call('GET', '/api/v1/calendar/add-workdays?from=2026-09-30&days=3', { token: w.applicant })).body).toEqual({ date: '2026-10-10', provisional: false });
    expect((await t.call('GET', '/api/v1/calendar/add-workdays?from=2026-12-20&days=15', { token: w.operator })).body).toEqual({ date: '2027-01-08', provisional: true });
    const bad = await t.call('GET', '/api/v1/calendar/add-workdays?from=2026-02-30&days=1');
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('from');
  });

  it('only the admin loads a year, as holiday-cn publishes it; a bad file changes nothing', async () => {
    expect((await t.call('PUT', '/api/v1/calendar/2027', { token: w.operator, body: holidayCn2027 })).status).toBe(403);
    const wrongYear = await t.call('PUT', '/api/v1/calendar/2028', { body: holidayCn2027 });
    expect(wrongYear.status).toBe(400);
    const outside = await t.call('PUT', '/api/v1/calendar/2027', { body: { ...holidayCn2027, days: [...holidayCn2027.days, { name: '劳动节', date: '2028-05-01', isOffDay: true }] } });
    expect(outside.status).toBe(400);
    expect(outside.body.detail).toContain('outside 2027');
    expect(await countRows(t, 'calendar_years')).toBe(0);
  });

  it('recomputes open deadlines: provisional → fixed, and the previous year’s last days moved', async () => {
    // Accepted Thursday 12-10: 15 working days end on Thursday 12-31 by 2026's arrangement.
    const a = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept) });
    await t.call('POST', `/api/v1/applications/${a.body.id}/accept`, { token: w.operator });
    // Submitted Thursday 12-24 (acceptBy 12-31), accepted 12-24 too by another: deadline into 2027, provisional.
    t.clock.now = shanghai('2026-12-24');
    const b = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept) });
    expect(b.body).toMatchObject({ acceptBy: '2026-12-31', provisional: false });
    const c = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept) });
    const acceptedC = await t.call('POST', `/api/v1/applications/${c.body.id}/accept`, { token: w.operator });
    // 12-25, 12-28…31 (5), 01-01 (6), 01-04…08 (11), 01-11…14 (15) by the weekday rule.
    expect(acceptedC.body).toMatchObject({ deadline: '2027-01-14', provisional: true });
    const before = await t.call('GET', `/api/v1/applications/${a.body.id}`);
    expect(before.body).toMatchObject({ deadline: '2026-12-31', provisional: false });

    const loaded = await t.call('PUT', '/api/v1/calendar/2027', { body: holidayCn2027 });
    expect(loaded.status, loaded.text).toBe(200);
    expect(loaded.body).toMatchObject({ year: 2027, loadedBy: 'admin' });
    const moved = Object.fromEntries(loaded.body.rescheduled.map((m: { id: string; field: string; from: string; to: string; provisional: boolean }) => [m.id, m]));
    // 12-31 and 01-01…03 off now: Thursday 12-31 → Monday 01-04.
    expect(moved[a.body.id]).toEqual({ id: a.body.id, field: 'deadline', from: '2026-12-31', to: '2027-01-04', provisional: false });
    // acceptBy of b: 12-25, 12-28, 12-29, 12-30, then 01-04.
    expect(moved[b.body.id]).toEqual({ id: b.body.id, field: 'acceptBy', from: '2026-12-31', to: '2027-01-04', provisional: false });
    // c: 12-25, 12-28…30 (4), 01-04…08 (9), 01-11…15 (14), 01-18 (15): fixed now.
    expect(moved[c.body.id]).toEqual({ id: c.body.id, field: 'deadline', from: '2027-01-14', to: '2027-01-18', provisional: false });
    expect((await t.call('GET', `/api/v1/applications/${c.body.id}`)).body).toMatchObject({ deadline: '2027-01-18', provisional: false });
    expect((await t.call('GET', '/api/v1/calendar/add-workdays?from=2026-12-20&days=15')).body).toEqual({ date: '2027-01-12', provisional: false });
    const [audit] = await rows<{ n: string | number }>(t.database.db, sql`SELECT count(*) AS n FROM audit_entries WHERE action = 'application.reschedule'`);
    expect(Number(audit.n)).toBe(3);
    // Loading the same file again moves nothing.
    expect((await t.call('PUT', '/api/v1/calendar/2027', { body: holidayCn2027 })).body.rescheduled).toEqual([]);
    t.clock.now = thursday;
  });
});

describe.each(backends)('a calendar year loaded while reviewers accept, on %s', (backend) => {
  let w: World;
  beforeAll(async () => {
    w = await world(backend);
  });
  afterAll(async () => w?.t.close());

  it('an acceptance waits for a load under way, then computes on the loaded year', async (ctx) => {
    // PGlite serves one connection: a second transaction cannot run beside the load at all.
    if (backend === 'pglite') return ctx.skip();
    const t = w.t;
    t.clock.now = shanghai('2026-12-24');
    const { body: app } = await t.call('POST', '/api/v1/applications', { token: w.applicant, body: accessBody(w.dept) });
    let accept: Promise<{ status: number; body: any }> | undefined;
    let settled = false;
    // A load under way: the calendar's lock taken and 2027 written, not yet committed.
    await t.database.db.transaction(async (tx) => {
      await lockCalendar(tx);
      await tx.insert(calendarYears).values({ year: 2027, papers: holidayCn2027.papers, days: holidayCn2027.days, loadedBy: 'test' });
      accept = t.call('POST', `/api/v1/applications/${app.id}/accept`, { token: w.operator });
      void accept.then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(settled, 'the acceptance must wait for the load').toBe(false);
    });
    const accepted = await accept!;
    expect(accepted.status).toBe(200);
    // On the loaded calendar: 12-25, 12-28…30, 01-04…08, 01-11…15, 01-18 — not 01-14 (provisional) of the calendar before.
    expect(accepted.body).toMatchObject({ deadline: '2027-01-18', provisional: false });
  });
});
