// Reads are least-privilege (issue 13 item 8): one row per read endpoint, role and place.
// Row shape and fixtures: test/support/authz.ts.
//
// What a direct GET of an object of the row's place answers (lists filter silently; which
// items they keep is checked in test/integration/read-scope.test.ts):
//   admin, auditor          200 everywhere;
//   operator (450100)       200 in and sibling (both counties of Nanning), 404 out;
//   countyOperator (450102) 200 in, 404 sibling and out: ids of other counties reveal nothing;
//   applicant               its own department's objects only: 404 for the places' objects,
//                           403 for kinds an applicant never reads (rooms, webhooks, users);
//   agent                   403, except zone files, which DNS servers pull with an agent's token.
import { forRoles, type AuthzFixtures, type AuthzPlace, type AuthzRole, type AuthzRow, type AuthzScope } from '../../support/authz.js';
import type { TestApp } from '../../support/harness.js';

async function admin<T = any>(f: AuthzFixtures, method: string, path: string, body?: unknown): Promise<T> {
  const reply = await f.t.call<T>(method, path, { body });
  if (reply.status >= 300) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

/** What each place holds: every kind of object a read row asks for. */
interface PlaceObjects {
  /** A /24 (a /20 for the other city) held by the place's division. */
  divisionPrefix: { id: string; reverseZone: string };
  /** A /28 assigned to the place's department. */
  departmentPrefix: string;
  /** The zone held by the division and one delegated to its department. */
  zone: string;
  departmentZone: string;
  room: string;
  /** A node device of the division and the department's boundary device, joined by a link the division pays. */
  nodeDevice: string;
  boundaryDevice: string;
  link: string;
  webhook: string;
}

interface World {
  places: Map<string, PlaceObjects>;
  /** The region's pool that holds every place's space: an ancestor prefix of all of them. */
  regionPool: string;
  /** The region's root zone and Nanning's zone: ancestor zones of Xingning's. */
  rootZone: string;
  nanningZone: string;
  /** What the applicant fixture's own department holds. */
  own: { prefix: string; zone: string; device: string; link: string };
  /** Nanning's node device at the A end of a link into Xingning (450102): it touches the county. */
  cityDeviceLinkedIntoCounty: string;
  /** A pool in a dedicated VRF that holds only Liuzhou's space. */
  dedicatedPool: string;
}

const reverseName = (cidr: string) => {
  const [a, b, c] = cidr.split('/')[0].split('.');
  return `${c}.${b}.${a}.in-addr.arpa`;
};

async function buildWorld(f: AuthzFixtures): Promise<World> {
  const run = f.unique('r').toLowerCase();
  const pool = await admin(f, 'POST', '/api/v1/prefixes', { vrf: 'public', cidr: '10.200.0.0/16', holder: '450000' });
  const nanning = await admin(f, 'POST', `/api/v1/prefixes/${pool.id}/allocate`, { prefixLength: 20, holder: '450100', status: 'allocated' });
  const liuzhou = await admin(f, 'POST', `/api/v1/prefixes/${pool.id}/allocate`, { prefixLength: 20, holder: '450200', status: 'allocated' });

  const ns = [{ name: 'ns.reads.example.net' }];
  const root = await admin(f, 'POST', '/api/v1/domains', { name: `${run}.example`, holder: '450000', nameservers: ns });
  const nanningZone = await admin(f, 'POST', `/api/v1/domains/${root.id}/delegate`, { label: 'nanning', holder: '450100', nameservers: ns });
  const liuzhouZone = await admin(f, 'POST', `/api/v1/domains/${root.id}/delegate`, { label: 'liuzhou', holder: '450200', nameservers: ns });

  const device = async (owner: string, role: string, phone: string) =>
    (
      await admin(f, 'POST', '/api/v1/devices', {
        hostname: f.unique('reads-dev').toLowerCase(),
        role,
        vendor: 'h3c',
        ownerUnit: owner,
        responsible: { name: '值班员', phone },
        interfaces: [{ name: 'GE0/0/1' }, { name: 'GE0/0/2' }],
      })
    ).id as string;
  const link = async (a: string, aInterface: string, z: string, zInterface: string, paying: string) =>
    (await admin(f, 'POST', '/api/v1/links', { name: f.unique('reads-link'), aDevice: a, aInterface, zDevice: z, zInterface, capacityMbps: 100, payingUnit: paying })).id as string;

  const places = new Map<string, PlaceObjects>();
  const cityDevice = await device('450100', 'pe', '0771-5550000');
  let cityDeviceLinkedIntoCounty = '';
  for (const place of [f.in, f.sibling, f.out]) {
    const divisionPrefix =
      place.division === '450200'
        ? liuzhou
        : await admin(f, 'POST', `/api/v1/prefixes/${nanning.id}/allocate`, { prefixLength: 24, holder: place.division, status: 'allocated' });
    const departmentPrefix = await admin(f, 'POST', `/api/v1/prefixes/${divisionPrefix.id}/allocate`, { prefixLength: 28, holder: place.department, status: 'assigned' });
    const zone =
      place.division === '450200'
        ? liuzhouZone
        : await admin(f, 'POST', `/api/v1/domains/${nanningZone.id}/delegate`, { label: `c${place.division}`, holder: place.division, nameservers: ns });
    const departmentZone = await admin(f, 'POST', `/api/v1/domains/${zone.id}/delegate`, { label: 'dept', holder: place.department, nameservers: ns });
    const room = await admin(f, 'POST', '/api/v1/rooms', { name: `机房 ${f.unique('ROOM')}`, unit: place.division, address: '机房地址' });
    const nodeDevice = await device(place.division, 'aggregation', '0771-5551111');
    const boundaryDevice = await device(place.department, 'boundary', '13900000000');
    const placeLink = await link(nodeDevice, 'GE0/0/1', boundaryDevice, 'GE0/0/1', place.division);
    const webhook = await admin(f, 'POST', '/api/v1/webhooks', { unit: place.division, url: 'https://noc.example.cn/reads', secret: 'reads-webhook-secret', events: ['incident.opened'] });
    if (place.division === '450102') {
      await link(cityDevice, 'GE0/0/1', nodeDevice, 'GE0/0/2', '450100');
      cityDeviceLinkedIntoCounty = cityDevice;
    }
    places.set(place.division, {
      divisionPrefix: { id: divisionPrefix.id, reverseZone: reverseName(divisionPrefix.cidr) },
      departmentPrefix: departmentPrefix.id,
      zone: zone.id,
      departmentZone: departmentZone.id,
      room: room.id,
      nodeDevice,
      boundaryDevice,
      link: placeLink,
      webhook: webhook.id,
    });
  }

  const ownUnit = f.users.applicant.unit;
  const ownPrefix = await admin(f, 'POST', `/api/v1/prefixes/${nanning.id}/allocate`, { prefixLength: 28, holder: ownUnit, status: 'assigned' });
  const ownZone = await admin(f, 'POST', `/api/v1/domains/${nanningZone.id}/delegate`, { label: 'own', holder: ownUnit, nameservers: ns });
  const ownDevice = await device(ownUnit, 'boundary', '13900000009');
  const ownLink = await link(cityDevice, 'GE0/0/2', ownDevice, 'GE0/0/1', '450100');

  await admin(f, 'POST', '/api/v1/vrfs', { name: `${run}-vpn`, zone: 'dedicated' });
  const dedicated = await admin(f, 'POST', '/api/v1/prefixes', { vrf: `${run}-vpn`, cidr: '10.201.0.0/16', holder: '450000' });
  await admin(f, 'POST', `/api/v1/prefixes/${dedicated.id}/allocate`, { prefixLength: 24, holder: '450200', status: 'allocated' });

  return {
    places,
    regionPool: pool.id,
    rootZone: root.id,
    nanningZone: nanningZone.id,
    own: { prefix: ownPrefix.id, zone: ownZone.id, device: ownDevice, link: ownLink },
    cityDeviceLinkedIntoCounty,
    dedicatedPool: dedicated.id,
  };
}

// One world per test app (per backend), built by the admin on first use; reads change nothing.
const worlds = new WeakMap<TestApp, Promise<World>>();
function world(f: AuthzFixtures): Promise<World> {
  let made = worlds.get(f.t);
  if (!made) worlds.set(f.t, (made = buildWorld(f)));
  return made;
}
const at = async (f: AuthzFixtures, place: AuthzPlace = f.target) => (await world(f)).places.get(place.division)!;

type Expect = Partial<Record<AuthzRole, number>>;

/**
 * Rows for one object of the row's place, in all three places: what each role hears.
 * `applicant`: 404 for a kind applicants read (of their own department only), 403 for a kind
 * they never read. `agent`: 403, or 200 for zone files.
 */
function placeRows(name: string, path: (f: AuthzFixtures) => Promise<string>, who: { applicant: 403 | 404; agent?: 200 | 403 }): AuthzRow[] {
  const agent = who.agent ?? 403;
  const by: Record<Exclude<AuthzScope, '-'>, Expect> = {
    in: { admin: 200, operator: 200, countyOperator: 200, applicant: who.applicant, none: 401 },
    sibling: { operator: 200, countyOperator: 404, applicant: who.applicant },
    out: { admin: 200, auditor: 200, operator: 404, countyOperator: 404, applicant: who.applicant, agent },
  };
  return (['in', 'sibling', 'out'] as const).flatMap((scope) => forRoles({ name, method: 'GET', path, scope }, by[scope]));
}

/** Lists: every role that reads the kind gets 200 (filtered), the others 403. */
const listOf = (name: string, path: string, expected: Expect) => forRoles({ name, method: 'GET', path, scope: '-' }, { none: 401, ...expected });
const everyReader = { admin: 200, auditor: 200, operator: 200, countyOperator: 200, applicant: 200, agent: 403 };
const noApplicant = { ...everyReader, applicant: 403 };

export const rows: AuthzRow[] = [
  // units: divisions are public statistical data; departments are scoped like everything else
  ...forRoles(
    { name: 'read a division', method: 'GET', path: (f) => `/api/v1/units/${f.target.division}`, scope: 'out' },
    { admin: 200, auditor: 200, operator: 200, countyOperator: 200, applicant: 200, agent: 403, none: 401 },
  ),
  ...placeRows('read a department', async (f) => `/api/v1/units/${f.target.department}`, { applicant: 404 }),
  ...forRoles({ name: 'read one’s own department', method: 'GET', path: (f) => `/api/v1/units/${f.users.applicant.unit}`, scope: '-' }, { applicant: 200, operator: 200, countyOperator: 404 }),
  ...listOf('list units', '/api/v1/units?kind=department', everyReader),
  ...listOf('list users', '/api/v1/users', { ...noApplicant }),

  // prefixes and addresses
  ...placeRows('read a division’s prefix', async (f) => `/api/v1/prefixes/${(await at(f)).divisionPrefix.id}`, { applicant: 404 }),
  ...placeRows('read a department’s prefix', async (f) => `/api/v1/prefixes/${(await at(f)).departmentPrefix}`, { applicant: 404 }),
  ...placeRows('list a prefix’s children', async (f) => `/api/v1/prefixes/${(await at(f)).divisionPrefix.id}/children`, { applicant: 404 }),
  ...placeRows('list a prefix’s free blocks', async (f) => `/api/v1/prefixes/${(await at(f)).divisionPrefix.id}/available`, { applicant: 404 }),
  ...placeRows('a division’s utilization', async (f) => `/api/v1/holders/${f.target.division}/utilization`, { applicant: 404 }),
  ...forRoles(
    { name: 'read the pool that holds one’s space (an ancestor)', method: 'GET', path: async (f) => `/api/v1/prefixes/${(await world(f)).regionPool}`, scope: '-' },
    { admin: 200, auditor: 200, operator: 200, countyOperator: 200, applicant: 404, agent: 403 },
  ),
  ...forRoles(
    { name: 'read a dedicated VRF’s pool holding only another city’s space', method: 'GET', path: async (f) => `/api/v1/prefixes/${(await world(f)).dedicatedPool}`, scope: 'out' },
    { admin: 200, auditor: 200, operator: 404, countyOperator: 404, applicant: 404 },
  ),
  ...forRoles(
    { name: 'read one’s own department’s prefix', method: 'GET', path: async (f) => `/api/v1/prefixes/${(await world(f)).own.prefix}`, scope: '-' },
    { applicant: 200, operator: 200, countyOperator: 404 },
  ),
  ...forRoles(
    { name: 'one’s own department’s utilization', method: 'GET', path: (f) => `/api/v1/holders/${f.users.applicant.unit}/utilization`, scope: '-' },
    { applicant: 200, countyOperator: 404 },
  ),
  ...listOf('list prefixes', '/api/v1/prefixes', everyReader),
  ...listOf('export the address plan', '/api/v1/prefixes/export', everyReader),
  ...listOf('list addresses', '/api/v1/addresses', everyReader),

  // domains and zone files
  ...placeRows('read a division’s zone', async (f) => `/api/v1/domains/${(await at(f)).zone}`, { applicant: 404 }),
  ...placeRows('read a department’s zone', async (f) => `/api/v1/domains/${(await at(f)).departmentZone}`, { applicant: 404 }),
  ...placeRows('list a zone’s records', async (f) => `/api/v1/domains/${(await at(f)).zone}/records`, { applicant: 404 }),
  ...placeRows('a zone file', async (f) => `/api/v1/domains/${(await at(f)).zone}/zone`, { applicant: 404, agent: 200 }),
  ...placeRows('the reverse zones of a prefix', async (f) => `/api/v1/prefixes/${(await at(f)).divisionPrefix.id}/reverse-zones`, { applicant: 404, agent: 200 }),
  ...placeRows('a reverse zone file', async (f) => `/api/v1/reverse-zones/${(await at(f)).divisionPrefix.reverseZone}`, { applicant: 404, agent: 200 }),
  ...forRoles(
    { name: 'read the zones above one’s own (ancestors)', method: 'GET', path: async (f) => `/api/v1/domains/${(await world(f)).rootZone}`, scope: '-' },
    { admin: 200, auditor: 200, operator: 200, countyOperator: 200, applicant: 404, agent: 403 },
  ),
  ...forRoles(
    { name: 'read Nanning’s zone, above one’s own', method: 'GET', path: async (f) => `/api/v1/domains/${(await world(f)).nanningZone}`, scope: '-' },
    { operator: 200, countyOperator: 200, applicant: 404 },
  ),
  ...forRoles(
    { name: 'read one’s own department’s zone', method: 'GET', path: async (f) => `/api/v1/domains/${(await world(f)).own.zone}`, scope: '-' },
    { applicant: 200, operator: 200, countyOperator: 404 },
  ),
  ...listOf('list domains', '/api/v1/domains', everyReader),

  // rooms, devices, links and what is measured on them
  ...placeRows('read a room', async (f) => `/api/v1/rooms/${(await at(f)).room}`, { applicant: 403 }),
  ...placeRows('read a node device', async (f) => `/api/v1/devices/${(await at(f)).nodeDevice}`, { applicant: 404 }),
  ...placeRows('read a boundary device', async (f) => `/api/v1/devices/${(await at(f)).boundaryDevice}`, { applicant: 404 }),
  ...placeRows('read a link', async (f) => `/api/v1/links/${(await at(f)).link}`, { applicant: 404 }),
  ...placeRows('read a link’s utilization', async (f) => `/api/v1/links/${(await at(f)).link}/utilization`, { applicant: 404 }),
  ...placeRows('read a device’s readings', async (f) => `/api/v1/readings?device=${(await at(f)).nodeDevice}`, { applicant: 404 }),
  ...forRoles(
    { name: 'read the city’s device at the far end of a link into the county', method: 'GET', path: async (f) => `/api/v1/devices/${(await world(f)).cityDeviceLinkedIntoCounty}`, scope: '-' },
    { operator: 200, countyOperator: 200, applicant: 404 },
  ),
  ...forRoles({ name: 'read one’s own boundary device', method: 'GET', path: async (f) => `/api/v1/devices/${(await world(f)).own.device}`, scope: '-' }, { applicant: 200, countyOperator: 404 }),
  ...forRoles({ name: 'read the link of one’s own boundary device', method: 'GET', path: async (f) => `/api/v1/links/${(await world(f)).own.link}`, scope: '-' }, { applicant: 200, countyOperator: 404 }),
  ...forRoles(
    { name: 'read the readings of one’s own boundary device', method: 'GET', path: async (f) => `/api/v1/readings?device=${(await world(f)).own.device}`, scope: '-' },
    { applicant: 200, countyOperator: 404 },
  ),
  ...listOf('list rooms', '/api/v1/rooms', noApplicant),
  ...listOf('list devices', '/api/v1/devices', everyReader),
  ...listOf('list links', '/api/v1/links', everyReader),
  ...listOf('list findings', '/api/v1/findings', everyReader),
  ...listOf('list incidents', '/api/v1/incidents', everyReader),
  ...listOf('list expansion requests', '/api/v1/expansion-requests', everyReader),
  ...listOf('read the expansion policy', '/api/v1/policies/expansion', noApplicant),

  // webhooks: their unit's operators and the auditors
  ...placeRows('read a webhook', async (f) => `/api/v1/webhooks/${(await at(f)).webhook}`, { applicant: 403 }),
  ...placeRows('read a webhook’s deliveries', async (f) => `/api/v1/webhooks/${(await at(f)).webhook}/deliveries`, { applicant: 403 }),
  ...listOf('list webhooks', '/api/v1/webhooks', noApplicant),
  ...forRoles(
    { name: 'list webhooks of another county', method: 'GET', path: (f) => `/api/v1/webhooks?unit=${f.target.division}`, scope: 'sibling' },
    { operator: 200, countyOperator: 200, applicant: 403 },
  ),

  // the rest: not scoped by place
  ...listOf('list zones', '/api/v1/zones', everyReader),
  ...listOf('list VRFs', '/api/v1/vrfs', everyReader),
  ...listOf('read the audit trail', '/api/v1/audit', { admin: 200, auditor: 200, operator: 403, countyOperator: 403, applicant: 403, agent: 403 }),
  ...listOf('verify the audit chain', '/api/v1/audit/verify', { admin: 200, auditor: 200, operator: 403, countyOperator: 403, applicant: 403, agent: 403 }),
  ...listOf('read agent targets', '/api/v1/agent/targets', { admin: 403, auditor: 403, operator: 403, countyOperator: 403, applicant: 403, agent: 200 }),
];
