// Device checks: agents post them for their own devices; the admin may import.
// Row shape and fixtures: test/support/authz.ts.
import { sql } from 'drizzle-orm';
import { rows as rawRows } from '../../../server/db/client.js';
import { acrossCounties, forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';

async function admin<T = any>(f: AuthzFixtures, method: string, path: string, body?: unknown): Promise<T> {
  const reply = await f.t.call<T>(method, path, { body });
  if (reply.status >= 300) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

/** A boundary device of the place's department, polled by SNMP by `agent`. */
async function boundary(f: AuthzFixtures, department: string, agent: string): Promise<string> {
  const made = await admin(f, 'POST', '/api/v1/devices', {
    hostname: f.unique('authz-check').toLowerCase(),
    role: 'boundary',
    vendor: 'huawei',
    ownerUnit: department,
    responsible: { name: '黄工', phone: '0771-5551234' },
    interfaces: [{ name: 'GE0/0/0' }],
    snmp: { agent, version: '2c', community: 'authz-community' },
  });
  return made.id as string;
}

let second = 0;
const checkOf = (device: string) => ({
  device,
  // Distinct times, so every row stores something new (never the future).
  at: new Date(Date.now() - 3_600_000 + ++second * 1000).toISOString(),
  method: 'snmp',
  status: 'ok',
});

/** A boundary device of the row's place whose last SSH check read a configuration: what a baseline approves. */
async function checkedBySsh(f: AuthzFixtures): Promise<string> {
  const device = await boundary(f, f.target.department, f.target.agent.username);
  const config = '#\n sysname authz\n#\nreturn\n';
  await rawRows(
    f.t.database.db,
    sql`INSERT INTO device_checks (device_id, method, at, status, config_sha256, config, received_at)
        VALUES (${Number(device)}, 'ssh', now() - interval '1 minute', 'ok', ${'a'.repeat(64)}, ${config}, now())`,
  );
  return device;
}

const baseline = { name: 'approve a device’s configuration as its baseline', method: 'POST' as const, path: async (f: AuthzFixtures) => `/api/v1/devices/${await checkedBySsh(f)}/baseline`, body: { comment: '基线' } };

export const rows: AuthzRow[] = [
  // baselines: operators of the device owner's subtree
  ...forRoles({ ...baseline, scope: 'in' }, { admin: 200, operator: 200, auditor: 403, applicant: 403, agent: 403, none: 401 }),
  ...forRoles({ ...baseline, scope: 'out' }, { admin: 200, operator: 403 }),
  ...acrossCounties(baseline, 200),

  ...forRoles(
    {
      name: 'post a check of the agent’s own device',
      method: 'POST',
      path: '/api/v1/device-checks',
      body: async (f) => checkOf(await boundary(f, f.in.department, f.users.agent.username)),
      scope: 'in',
    },
    { admin: 200, agent: 200, operator: 403, countyOperator: 403, applicant: 403, auditor: 403, none: 401 },
  ),
  ...(['sibling', 'out'] as const).flatMap((scope) =>
    forRoles(
      {
        name: 'post a check of a device polled by another agent',
        method: 'POST',
        path: '/api/v1/device-checks',
        body: async (f) => checkOf(await boundary(f, f.target.department, f.target.agent.username)),
        scope,
      },
      { agent: 403, admin: 200, operator: 403, countyOperator: 403 },
    ),
  ),
  ...forRoles(
    {
      name: 'post a batch of checks of the agent’s own devices',
      method: 'POST',
      path: '/api/v1/device-checks/batch',
      body: async (f) => ({ checks: [checkOf(await boundary(f, f.in.department, f.users.agent.username))] }),
      scope: 'in',
    },
    { admin: 200, agent: 200, operator: 403, countyOperator: 403, applicant: 403, auditor: 403, none: 401 },
  ),
  ...(['sibling', 'out'] as const).flatMap((scope) =>
    forRoles(
      {
        name: 'post a batch with a check of a device polled by another agent',
        method: 'POST',
        path: '/api/v1/device-checks/batch',
        body: async (f) => ({ checks: [checkOf(await boundary(f, f.target.department, f.target.agent.username))] }),
        scope,
      },
      { agent: 403, admin: 200, operator: 403, countyOperator: 403 },
    ),
  ),
];
