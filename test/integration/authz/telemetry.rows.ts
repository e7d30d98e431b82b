// Readings, utilization, the expansion policy and requests, incidents and findings.
// Row shape and fixtures: test/support/authz.ts.
import { sql } from 'drizzle-orm';
import { rows as rawRows } from '../../../server/db/client.js';
import { acrossCounties, forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';

const readers = { admin: 200, operator: 200, auditor: 200, applicant: 403, agent: 403, none: 401 };

async function admin<T = any>(f: AuthzFixtures, method: string, path: string, body?: unknown): Promise<T> {
  const reply = await f.t.call<T>(method, path, { body });
  if (reply.status >= 300) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

/** A node device of `division` and a boundary device of `department`, both polled by `agent`, joined by a link `division` pays for. */
async function link(f: AuthzFixtures, place: { division: string; department: string }, agent: string) {
  const pe = await admin(f, 'POST', '/api/v1/devices', {
    hostname: f.unique('authz-pe').toLowerCase(),
    role: 'pe',
    vendor: 'huawei',
    ownerUnit: place.division,
    interfaces: [{ name: 'GE0/0/1' }],
    snmp: { agent, version: '2c', community: 'authz-community' },
  });
  const ce = await admin(f, 'POST', '/api/v1/devices', {
    hostname: f.unique('authz-boundary').toLowerCase(),
    role: 'boundary',
    vendor: 'h3c',
    ownerUnit: place.department,
    responsible: { name: '黄工', phone: '0771-5551234' },
    interfaces: [{ name: 'GE0/0/0' }],
    snmp: { agent, version: '2c', community: 'authz-community' },
  });
  const l = await admin(f, 'POST', '/api/v1/links', {
    name: f.unique('authz-link'),
    aDevice: pe.id,
    aInterface: 'GE0/0/1',
    zDevice: ce.id,
    zInterface: 'GE0/0/0',
    capacityMbps: 100,
    payingUnit: place.division,
  });
  return { peId: pe.id as string, ceId: ce.id as string, linkId: l.id as string };
}

const links = new WeakMap<object, Promise<Awaited<ReturnType<typeof link>>>>();
/** One link per fixture set, polled by the fixtures' agent; made on first use. */
const sharedLink = (f: AuthzFixtures) => {
  let made = links.get(f.t);
  if (!made) links.set(f.t, (made = link(f, f.in, f.users.agent.username)));
  return made;
};

let second = 0;
const readingOf = (device: string, ifName: string) => ({
  device,
  ifName,
  // Distinct times, so every row stores something new (never the future).
  at: new Date(Date.now() - 3_600_000 + ++second * 1000).toISOString(),
  sysUpTime: 100_000,
  inOctets: '1000',
  outOctets: '2000',
  counterBits: 64,
  highSpeedMbps: 1000,
  operStatus: 'up',
});

/** An open expansion request on a fresh link paid by the row's target division (inserted as the policy would). */
async function openRequest(f: AuthzFixtures): Promise<string> {
  const made = await link(f, f.target, f.users.agent.username);
  const [row] = await rawRows<{ id: string | number }>(
    f.t.database.db,
    sql`INSERT INTO expansion_requests (link_id, unit_code, status, evidence, current_mbps, recommended_mbps, raised_at, evaluated_at)
        VALUES (${Number(made.linkId)}, ${f.target.division}, 'open', ${JSON.stringify({ p95In: 75, p95Out: 30, peak: 80, samples: 2016 })}::jsonb, 100, 200, now(), now())
        RETURNING id`,
  );
  return String(row.id);
}

/** An open finding on a fresh boundary device of the row's target department. */
async function openFinding(f: AuthzFixtures): Promise<string> {
  const made = await link(f, f.target, f.users.agent.username);
  const [row] = await rawRows<{ id: string | number }>(
    f.t.database.db,
    sql`INSERT INTO findings (device_id, kind, subject, detail, status, opened_at)
        VALUES (${Number(made.ceId)}, 'speed_mismatch', 'GE0/0/0', 'authz fixture', 'open', now()) RETURNING id`,
  );
  return String(row.id);
}

const policy = { percentile: 95, thresholdPercent: 70, windowDays: 7, targetPercent: 50 };

export const rows: AuthzRow[] = [
  // readings: agents post for their own devices only; the admin may import
  ...forRoles(
    {
      name: 'post readings for the agent’s own device',
      method: 'POST',
      path: '/api/v1/readings',
      body: async (f) => ({ readings: [readingOf((await sharedLink(f)).ceId, 'GE0/0/0')] }),
      scope: 'in',
    },
    { admin: 200, agent: 200, operator: 403, countyOperator: 403, applicant: 403, auditor: 403, none: 401 },
  ),
  // Readings are the agents' (each for its own devices); no operator posts any, anywhere.
  ...(['sibling', 'out'] as const).flatMap((scope) =>
    forRoles(
      {
        name: 'post readings for a device polled by another agent',
        method: 'POST',
        path: '/api/v1/readings',
        body: async (f) => {
          const other = await f.user('agent', '450000');
          const made = await link(f, f.target, other.username);
          return { readings: [readingOf(made.ceId, 'GE0/0/0')] };
        },
        scope,
      },
      { agent: 403, admin: 200, operator: 403, countyOperator: 403 },
    ),
  ),
  ...forRoles({ name: 'read raw readings', method: 'GET', path: async (f) => `/api/v1/readings?device=${(await sharedLink(f)).ceId}`, scope: '-' }, { ...readers, applicant: 404 }),
  ...forRoles({ name: 'read link utilization', method: 'GET', path: async (f) => `/api/v1/links/${(await sharedLink(f)).linkId}/utilization`, scope: '-' }, { ...readers, applicant: 404 }),

  // the expansion policy: everyone who reads sees it, the admin sets it, operators may evaluate now
  ...forRoles({ name: 'read the expansion policy', method: 'GET', path: '/api/v1/policies/expansion', scope: '-' }, readers),
  ...forRoles(
    { name: 'set the expansion policy', method: 'PUT', path: '/api/v1/policies/expansion', body: policy, scope: '-' },
    { admin: 200, operator: 403, countyOperator: 403, auditor: 403, applicant: 403, agent: 403, none: 401 },
  ),
  ...forRoles(
    { name: 'evaluate the expansion policy now', method: 'POST', path: '/api/v1/policies/expansion/evaluate', scope: '-' },
    { admin: 200, operator: 200, countyOperator: 200, auditor: 403, applicant: 403, agent: 403, none: 401 },
  ),

  // expansion requests: decided within the paying unit's subtree
  ...forRoles({ name: 'list expansion requests', method: 'GET', path: '/api/v1/expansion-requests?status=open', scope: '-' }, { ...readers, applicant: 200 }),
  ...forRoles(
    {
      name: 'decide an expansion request',
      method: 'POST',
      path: async (f) => `/api/v1/expansion-requests/${await openRequest(f)}/decision`,
      body: { decision: 'approve', opinion: '同意' },
      scope: 'in',
    },
    { admin: 200, operator: 200, auditor: 403, applicant: 403, agent: 403, none: 401 },
  ),
  ...forRoles(
    {
      name: 'decide an expansion request',
      method: 'POST',
      path: async (f) => `/api/v1/expansion-requests/${await openRequest(f)}/decision`,
      body: { decision: 'reject', opinion: '不同意' },
      scope: 'out',
    },
    { admin: 200, operator: 403 },
  ),
  ...acrossCounties(
    { name: 'decide an expansion request', method: 'POST', path: async (f) => `/api/v1/expansion-requests/${await openRequest(f)}/decision`, body: { decision: 'approve', opinion: '同意' } },
    200,
  ),

  // incidents
  ...forRoles({ name: 'list incidents', method: 'GET', path: '/api/v1/incidents?status=open', scope: '-' }, { ...readers, applicant: 200 }),

  // findings: resolved within the device owner's subtree
  ...forRoles({ name: 'list findings', method: 'GET', path: '/api/v1/findings?status=open', scope: '-' }, { ...readers, applicant: 200 }),
  ...forRoles(
    { name: 'resolve a finding', method: 'POST', path: async (f) => `/api/v1/findings/${await openFinding(f)}/resolve`, body: { comment: '已处理' }, scope: 'in' },
    { admin: 200, operator: 200, auditor: 403, applicant: 403, agent: 403, none: 401 },
  ),
  ...forRoles(
    { name: 'resolve a finding', method: 'POST', path: async (f) => `/api/v1/findings/${await openFinding(f)}/resolve`, body: { comment: '已处理' }, scope: 'out' },
    { admin: 200, operator: 403 },
  ),
  ...acrossCounties({ name: 'resolve a finding', method: 'POST', path: async (f) => `/api/v1/findings/${await openFinding(f)}/resolve`, body: { comment: '已处理' } }, 200),
];
