// DNS and RDAP endpoints. Row shape and fixtures: test/support/authz.ts.
// Delegating and reclaiming act for the parent zone's holder; records and name servers for the
// zone's own holder. In scope: the zone of Xingning 450102 (below the operator's Nanning);
// the sibling county: Qingxiu 450103; out of scope: the zone of Liuzhou 450200. RDAP is public.
import { acrossCounties, forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';
import type { TestApp } from '../../support/harness.js';

const readers = { admin: 200, operator: 200, applicant: 200, auditor: 200, agent: 403, none: 401 };
// Zone files are also pulled by machines (a DNS server's pull job may run with an agent's token).
const zoneReaders = { ...readers, agent: 200 };
const adminOnly = (ok: number) => ({ admin: ok, operator: 403, applicant: 403, auditor: 403, agent: 403, none: 401 });
const operators = (ok: number) => ({ admin: ok, operator: ok, applicant: 403, auditor: 403, agent: 403, none: 401 });
const outOfScope = (ok: number) => ({ admin: ok, operator: 403 });
const everyone = { admin: 200, operator: 200, applicant: 200, auditor: 200, agent: 200, none: 200 };

async function admin(f: AuthzFixtures, method: string, path: string, body?: unknown) {
  const reply = await f.t.call(method, path, { body });
  if (reply.status >= 300) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

interface Zones {
  root: string;
  /** zone id by holder division: 450102 (in scope), 450103 (the sibling county) and 450200 (out of scope) */
  byDivision: Record<string, string>;
}

// One zone tree per test app (per backend), built by the admin on first use.
const trees = new WeakMap<TestApp, Promise<Zones>>();
function zones(f: AuthzFixtures): Promise<Zones> {
  let tree = trees.get(f.t);
  if (!tree) {
    tree = (async () => {
      const suffix = `${f.unique('authz').toLowerCase()}.example`;
      const ns = [{ name: 'ns.authz.example.net' }];
      const root = await admin(f, 'POST', '/api/v1/domains', { name: suffix, holder: '450000', nameservers: ns });
      const nanning = await admin(f, 'POST', `/api/v1/domains/${root.id}/delegate`, { label: 'nanning', holder: '450100', nameservers: ns });
      const xingning = await admin(f, 'POST', `/api/v1/domains/${nanning.id}/delegate`, { label: 'xingning', holder: '450102', nameservers: ns });
      const qingxiu = await admin(f, 'POST', `/api/v1/domains/${nanning.id}/delegate`, { label: 'qingxiu', holder: '450103', nameservers: ns });
      const liuzhou = await admin(f, 'POST', `/api/v1/domains/${root.id}/delegate`, { label: 'liuzhou', holder: '450200', nameservers: ns });
      return { root: root.id, byDivision: { '450102': xingning.id, '450103': qingxiu.id, '450200': liuzhou.id } };
    })();
    trees.set(f.t, tree);
  }
  return tree;
}

const targetZone = async (f: AuthzFixtures) => (await zones(f)).byDivision[f.target.division];
/** A division one level below the target, to delegate to. */
const below = (f: AuthzFixtures) => ({ '450102': '450102001', '450103': '450103001' })[f.target.division] ?? '450202';
const label = (f: AuthzFixtures) => f.unique('z').toLowerCase();

async function victimRecord(f: AuthzFixtures): Promise<string> {
  return (await admin(f, 'POST', `/api/v1/domains/${await targetZone(f)}/records`, { name: label(f), type: 'TXT', value: 'authz' })).id;
}

async function victimChild(f: AuthzFixtures): Promise<string> {
  return (await admin(f, 'POST', `/api/v1/domains/${await targetZone(f)}/delegate`, { label: label(f), holder: below(f), nameservers: [{ name: 'ns.authz.example.net' }] })).id;
}

let pools = 0;
/** A /24 of the region's in the public VRF (the region's root zone serves its reverse zone). */
async function prefix(f: AuthzFixtures): Promise<{ id: string; reverseZone: string }> {
  await zones(f);
  const octet = pools++;
  const created = await admin(f, 'POST', '/api/v1/prefixes', { vrf: 'public', cidr: `172.31.${octet}.0/24`, holder: '450000' });
  return { id: created.id, reverseZone: `${octet}.31.172.in-addr.arpa` };
}

export const rows: AuthzRow[] = [
  ...forRoles({ name: 'list domains', method: 'GET', path: '/api/v1/domains', scope: '-' }, readers),
  ...forRoles({ name: 'read a domain', method: 'GET', path: async (f) => `/api/v1/domains/${await targetZone(f)}`, scope: 'out' }, { ...readers, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'list records', method: 'GET', path: async (f) => `/api/v1/domains/${await targetZone(f)}/records`, scope: 'out' }, { ...readers, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'zone file', method: 'GET', path: async (f) => `/api/v1/domains/${await targetZone(f)}/zone`, scope: 'out' }, { ...zoneReaders, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'reverse zones of a prefix', method: 'GET', path: async (f) => `/api/v1/prefixes/${(await prefix(f)).id}/reverse-zones`, scope: '-' }, { ...zoneReaders, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'reverse zone file', method: 'GET', path: async (f) => `/api/v1/reverse-zones/${(await prefix(f)).reverseZone}`, scope: '-' }, { ...zoneReaders, operator: 404, applicant: 404 }),

  ...forRoles(
    { name: 'register a root zone', method: 'POST', path: '/api/v1/domains', body: (f: AuthzFixtures) => ({ name: `${label(f)}.example`, holder: '450000', nameservers: [{ name: 'ns.authz.example.net' }] }), scope: '-' },
    { ...adminOnly(201), countyOperator: 403 },
  ),
  ...forRoles(
    { name: 'delegate a zone', method: 'POST', path: async (f) => `/api/v1/domains/${await targetZone(f)}/delegate`, body: (f: AuthzFixtures) => ({ label: label(f), holder: below(f), nameservers: [{ name: 'ns.authz.example.net' }] }), scope: 'in' },
    operators(201),
  ),
  ...forRoles(
    { name: 'delegate a zone', method: 'POST', path: async (f) => `/api/v1/domains/${await targetZone(f)}/delegate`, body: (f: AuthzFixtures) => ({ label: label(f), holder: below(f), nameservers: [{ name: 'ns.authz.example.net' }] }), scope: 'out' },
    outOfScope(201),
  ),
  ...acrossCounties(
    { name: 'delegate a zone', method: 'POST', path: async (f) => `/api/v1/domains/${await targetZone(f)}/delegate`, body: (f: AuthzFixtures) => ({ label: label(f), holder: below(f), nameservers: [{ name: 'ns.authz.example.net' }] }) },
    201,
  ),
  ...forRoles({ name: 'change a zone’s TTL', method: 'PATCH', path: async (f) => `/api/v1/domains/${await targetZone(f)}`, body: { ttl: 1800 }, scope: 'in' }, operators(200)),
  ...forRoles({ name: 'change a zone’s TTL', method: 'PATCH', path: async (f) => `/api/v1/domains/${await targetZone(f)}`, body: { ttl: 1800 }, scope: 'out' }, outOfScope(200)),
  ...acrossCounties({ name: 'change a zone’s TTL', method: 'PATCH', path: async (f) => `/api/v1/domains/${await targetZone(f)}`, body: { ttl: 1800 } }, 200),
  ...forRoles({ name: 'reclaim a zone', method: 'DELETE', path: async (f) => `/api/v1/domains/${await victimChild(f)}`, scope: 'in' }, operators(204)),
  ...forRoles({ name: 'reclaim a zone', method: 'DELETE', path: async (f) => `/api/v1/domains/${await victimChild(f)}`, scope: 'out' }, outOfScope(204)),
  ...acrossCounties({ name: 'reclaim a zone', method: 'DELETE', path: async (f) => `/api/v1/domains/${await victimChild(f)}` }, 204),
  ...forRoles(
    { name: 'add a record', method: 'POST', path: async (f) => `/api/v1/domains/${await targetZone(f)}/records`, body: (f: AuthzFixtures) => ({ name: label(f), type: 'TXT', value: 'authz' }), scope: 'in' },
    operators(201),
  ),
  ...forRoles(
    { name: 'add a record', method: 'POST', path: async (f) => `/api/v1/domains/${await targetZone(f)}/records`, body: (f: AuthzFixtures) => ({ name: label(f), type: 'TXT', value: 'authz' }), scope: 'out' },
    outOfScope(201),
  ),
  ...acrossCounties({ name: 'add a record', method: 'POST', path: async (f) => `/api/v1/domains/${await targetZone(f)}/records`, body: (f: AuthzFixtures) => ({ name: label(f), type: 'TXT', value: 'authz' }) }, 201),
  ...forRoles({ name: 'delete a record', method: 'DELETE', path: async (f) => `/api/v1/records/${await victimRecord(f)}`, scope: 'in' }, operators(204)),
  ...forRoles({ name: 'delete a record', method: 'DELETE', path: async (f) => `/api/v1/records/${await victimRecord(f)}`, scope: 'out' }, outOfScope(204)),
  ...acrossCounties({ name: 'delete a record', method: 'DELETE', path: async (f) => `/api/v1/records/${await victimRecord(f)}` }, 204),

  // RDAP: public, the same answer with or without a token.
  ...forRoles({ name: 'RDAP help', method: 'GET', path: '/rdap/help', scope: '-' }, everyone),
  ...forRoles({ name: 'RDAP entity', method: 'GET', path: (f) => `/rdap/entity/${f.target.division}`, scope: 'out' }, everyone),
  ...forRoles(
    {
      name: 'RDAP domain',
      method: 'GET',
      path: async (f) => `/rdap/domain/${(await admin(f, 'GET', `/api/v1/domains/${await targetZone(f)}`)).name}`,
      scope: 'out',
    },
    everyone,
  ),
];
