// IPAM endpoints: zones, VRFs, prefixes, addresses. Row shape and fixtures: test/support/authz.ts.
// Delegating from a prefix acts for its holder; the fixtures give each row space held by the
// target division's parent (in: Nanning 450100 → Xingning 450102; out: the region → Liuzhou 450200).
import { acrossCounties, forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';

const readers = { admin: 200, operator: 200, applicant: 200, auditor: 200, agent: 403, none: 401 };
const adminOnly = (ok: number) => ({ admin: ok, operator: 403, applicant: 403, auditor: 403, agent: 403, none: 401 });
const operators = (ok: number) => ({ admin: ok, operator: ok, applicant: 403, auditor: 403, agent: 403, none: 401 });

let pools = 0;
async function admin(f: AuthzFixtures, method: string, path: string, body?: unknown) {
  const reply = await f.t.call(method, path, { body });
  if (reply.status >= 300) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

/** A fresh /16 root pool of the region in the internet VRF. */
async function pool(f: AuthzFixtures): Promise<{ id: string; cidr: string }> {
  return admin(f, 'POST', '/api/v1/prefixes', { vrf: 'internet', cidr: `100.${pools++}.0.0/16`, holder: '450000' });
}

/** Space held by the parent of the row's target division, to delegate from. */
async function spaceAbove(f: AuthzFixtures): Promise<string> {
  const root = await pool(f);
  if (f.target.division === '450200') return root.id;
  return (await admin(f, 'POST', `/api/v1/prefixes/${root.id}/allocate`, { prefixLength: 20, holder: '450100', status: 'allocated' })).id;
}

/** A prefix held by the target division (delegated to it by its parent). */
async function heldByTarget(f: AuthzFixtures): Promise<string> {
  return (await admin(f, 'POST', `/api/v1/prefixes/${await spaceAbove(f)}/allocate`, { prefixLength: 24, holder: f.target.division, status: 'allocated' })).id;
}

/** A prefix assigned to the target's department by its division. */
async function assignedTo(f: AuthzFixtures): Promise<string> {
  return (await admin(f, 'POST', `/api/v1/prefixes/${await heldByTarget(f)}/allocate`, { prefixLength: 28, holder: f.target.department, status: 'assigned' })).id;
}

// The rows across county lines act for the target division itself: it assigns from its own
// space to its own department (a county operator may in its county, the city's in both).

/** The first /28 of a fresh prefix held by the target division, for its department. */
async function blockOfTarget(f: AuthzFixtures): Promise<{ vrf: string; cidr: string; holder: string; status: 'assigned' }> {
  const held = await admin(f, 'GET', `/api/v1/prefixes/${await heldByTarget(f)}`);
  return { vrf: 'internet', cidr: held.cidr.replace(/\/\d+$/, '/28'), holder: f.target.department, status: 'assigned' };
}

/** The same block as an address plan to import. */
async function planOfTarget(f: AuthzFixtures): Promise<string> {
  const block = await blockOfTarget(f);
  return `vrf,cidr,holder,status,description\r\n${block.vrf},${block.cidr},${block.holder},${block.status},导入\r\n`;
}

async function addressOfTarget(f: AuthzFixtures): Promise<string> {
  return (await admin(f, 'POST', `/api/v1/prefixes/${await assignedTo(f)}/addresses`, { hostname: 'gone' })).id;
}

export const rows: AuthzRow[] = [
  ...forRoles({ name: 'list zones', method: 'GET', path: '/api/v1/zones', scope: '-' }, readers),
  ...forRoles({ name: 'list VRFs', method: 'GET', path: '/api/v1/vrfs', scope: '-' }, readers),
  ...forRoles({ name: 'create a VRF', method: 'POST', path: '/api/v1/vrfs', body: (f) => ({ name: f.unique('vpn').toLowerCase(), zone: 'dedicated' }), scope: '-' }, { ...adminOnly(201), countyOperator: 403 }),
  ...forRoles({ name: 'list prefixes', method: 'GET', path: '/api/v1/prefixes?vrf=internet', scope: '-' }, readers),
  ...forRoles({ name: 'read a prefix', method: 'GET', path: async (f) => `/api/v1/prefixes/${await heldByTarget(f)}`, scope: 'out' }, { ...readers, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'list children', method: 'GET', path: async (f) => `/api/v1/prefixes/${await spaceAbove(f)}/children`, scope: 'in' }, { ...readers, applicant: 404 }),
  ...forRoles({ name: 'list free blocks', method: 'GET', path: async (f) => `/api/v1/prefixes/${await spaceAbove(f)}/available?prefixLength=24`, scope: 'in' }, { ...readers, applicant: 404 }),
  ...forRoles({ name: 'utilization per holder', method: 'GET', path: (f) => `/api/v1/holders/${f.target.division}/utilization`, scope: 'out' }, { ...readers, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'list addresses', method: 'GET', path: '/api/v1/addresses?vrf=internet', scope: '-' }, readers),
  ...forRoles({ name: 'export the address plan', method: 'GET', path: '/api/v1/prefixes/export?vrf=internet', scope: '-' }, readers),

  ...forRoles({ name: 'create a root pool', method: 'POST', path: '/api/v1/prefixes', body: () => ({ vrf: 'internet', cidr: `100.${pools++}.0.0/16`, holder: '450000' }), scope: '-' }, { ...adminOnly(201), countyOperator: 403 }),
  ...forRoles(
    { name: 'allocate to the division below', method: 'POST', path: async (f) => `/api/v1/prefixes/${await spaceAbove(f)}/allocate`, body: (f) => ({ prefixLength: 24, holder: f.target.division, status: 'allocated' }), scope: 'in' },
    operators(201),
  ),
  ...forRoles(
    { name: 'allocate to the division below', method: 'POST', path: async (f) => `/api/v1/prefixes/${await spaceAbove(f)}/allocate`, body: (f) => ({ prefixLength: 24, holder: f.target.division, status: 'allocated' }), scope: 'out' },
    { admin: 201, operator: 403, applicant: 403 },
  ),
  // A county gets its space from its city: it never allocates to itself from the city's space.
  ...(['in', 'sibling'] as const).flatMap((scope) =>
    forRoles(
      { name: 'allocate to the division below', method: 'POST', path: async (f) => `/api/v1/prefixes/${await spaceAbove(f)}/allocate`, body: (f) => ({ prefixLength: 24, holder: f.target.division, status: 'allocated' }), scope },
      { countyOperator: 403, ...(scope === 'sibling' ? { operator: 201 } : {}) },
    ),
  ),
  ...acrossCounties(
    { name: 'assign from the division’s space to its department', method: 'POST', path: async (f) => `/api/v1/prefixes/${await heldByTarget(f)}/allocate`, body: (f) => ({ prefixLength: 28, holder: f.target.department, status: 'assigned' }) },
    201,
  ),
  ...forRoles(
    {
      name: 'register an explicit child',
      method: 'POST',
      path: '/api/v1/prefixes',
      body: async (f) => {
        const parent = await admin(f, 'GET', `/api/v1/prefixes/${await spaceAbove(f)}`);
        return { vrf: 'internet', cidr: parent.cidr.replace(/\/\d+$/, '/25'), holder: f.target.division, status: 'allocated' };
      },
      scope: 'in',
    },
    operators(201),
  ),
  ...acrossCounties({ name: 'register an explicit child in the division’s space', method: 'POST', path: '/api/v1/prefixes', body: blockOfTarget }, 201),
  ...forRoles({ name: 'register an explicit child in the division’s space', method: 'POST', path: '/api/v1/prefixes', body: blockOfTarget, scope: 'out' }, { admin: 201, operator: 403 }),
  // An import checks every row like POST /prefixes and refuses all of them together: 422 with
  // each row's verdict (`forbidden` for a row outside the caller's subtree), nothing imported.
  ...forRoles(
    { name: 'import a plan for the division’s space', method: 'POST', path: '/api/v1/prefixes/import', body: planOfTarget, contentType: 'text/csv', scope: 'in' },
    { admin: 201, operator: 201, countyOperator: 201, applicant: 403, auditor: 403, agent: 403, none: 401 },
  ),
  ...forRoles(
    { name: 'import a plan for the division’s space', method: 'POST', path: '/api/v1/prefixes/import', body: planOfTarget, contentType: 'text/csv', scope: 'sibling' },
    { operator: 201, countyOperator: 422 },
  ),
  ...forRoles(
    { name: 'import a plan for the division’s space', method: 'POST', path: '/api/v1/prefixes/import', body: planOfTarget, contentType: 'text/csv', scope: 'out' },
    { admin: 201, operator: 422, countyOperator: 422 },
  ),
  ...forRoles(
    { name: 'describe a delegated prefix', method: 'PATCH', path: async (f) => `/api/v1/prefixes/${await heldByTarget(f)}`, body: { description: '用途说明' }, scope: 'in' },
    operators(200),
  ),
  ...forRoles(
    { name: 'describe a delegated prefix', method: 'PATCH', path: async (f) => `/api/v1/prefixes/${await heldByTarget(f)}`, body: { description: '用途说明' }, scope: 'out' },
    { admin: 200, operator: 403 },
  ),
  ...acrossCounties({ name: 'describe a prefix assigned by the division', method: 'PATCH', path: async (f) => `/api/v1/prefixes/${await assignedTo(f)}`, body: { description: '用途说明' } }, 200),
  ...forRoles({ name: 'reclaim a prefix', method: 'DELETE', path: async (f) => `/api/v1/prefixes/${await heldByTarget(f)}`, scope: 'in' }, operators(204)),
  ...forRoles({ name: 'reclaim a prefix', method: 'DELETE', path: async (f) => `/api/v1/prefixes/${await heldByTarget(f)}`, scope: 'out' }, { admin: 204, operator: 403 }),
  ...acrossCounties({ name: 'reclaim a prefix assigned by the division', method: 'DELETE', path: async (f) => `/api/v1/prefixes/${await assignedTo(f)}` }, 204),

  // Addresses act for the department holding the assigned prefix: its applicant, or an operator above it.
  ...forRoles(
    { name: 'register an address', method: 'POST', path: async (f) => `/api/v1/prefixes/${await assignedTo(f)}/addresses`, body: { hostname: 'host' }, scope: 'in' },
    { admin: 201, operator: 201, applicant: 403, auditor: 403, agent: 403, none: 401 },
  ),
  ...forRoles(
    { name: 'register an address', method: 'POST', path: async (f) => `/api/v1/prefixes/${await assignedTo(f)}/addresses`, body: { hostname: 'host' }, scope: 'out' },
    { admin: 201, operator: 403 },
  ),
  ...acrossCounties({ name: 'register an address', method: 'POST', path: async (f) => `/api/v1/prefixes/${await assignedTo(f)}/addresses`, body: { hostname: 'host' } }, 201),
  ...forRoles(
    {
      name: "register an address in the applicant's own department",
      method: 'POST',
      path: async (f) => `/api/v1/prefixes/${await assignedToOwn(f)}/addresses`,
      body: { hostname: 'oa' },
      scope: '-',
    },
    { applicant: 201 },
  ),
  ...forRoles(
    {
      name: 'release an address',
      method: 'DELETE',
      path: async (f) => `/api/v1/addresses/${(await admin(f, 'POST', `/api/v1/prefixes/${await assignedTo(f)}/addresses`, { hostname: 'gone' })).id}`,
      scope: 'in',
    },
    operators(204),
  ),
  ...acrossCounties({ name: 'release an address', method: 'DELETE', path: async (f) => `/api/v1/addresses/${await addressOfTarget(f)}` }, 204),
  ...forRoles({ name: 'release an address', method: 'DELETE', path: async (f) => `/api/v1/addresses/${await addressOfTarget(f)}`, scope: 'out' }, { admin: 204, operator: 403 }),
];

/** A prefix assigned to the applicant fixture's own department (a department of Nanning). */
async function assignedToOwn(f: AuthzFixtures): Promise<string> {
  const root = await pool(f);
  const city = await admin(f, 'POST', `/api/v1/prefixes/${root.id}/allocate`, { prefixLength: 20, holder: '450100', status: 'allocated' });
  return (await admin(f, 'POST', `/api/v1/prefixes/${city.id}/allocate`, { prefixLength: 28, holder: f.users.applicant.unit, status: 'assigned' })).id;
}
