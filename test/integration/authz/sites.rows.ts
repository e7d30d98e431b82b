// Rooms, devices, links, agent targets and webhooks (issue 5, part A). Row shape and fixtures: test/support/authz.ts.
import { forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';

const readers = { admin: 200, operator: 200, auditor: 200, applicant: 403, agent: 403, none: 401 };
const managers = (ok: number) => ({ admin: ok, operator: ok, auditor: 403, applicant: 403, agent: 403, none: 401 });
const outOfScope = (ok: number) => ({ admin: ok, operator: 403 });

/** Objects the rows act on, made by the admin right before the request. */
async function asAdmin(f: AuthzFixtures, method: string, path: string, body: unknown): Promise<{ id: string; hostname?: string }> {
  const reply = await f.t.call(method, path, { body });
  if (reply.status !== 201) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

const roomBody = (f: AuthzFixtures) => ({ name: `机房 ${f.unique('ROOM')}`, unit: f.target.division, address: '机房地址' });
const room = async (f: AuthzFixtures) => (await asAdmin(f, 'POST', '/api/v1/rooms', roomBody(f))).id;

const deviceBody = (f: AuthzFixtures) => ({
  hostname: f.unique('dev').toLowerCase(),
  role: 'aggregation',
  vendor: 'h3c',
  ownerUnit: f.target.division,
  interfaces: [{ name: 'GE1/0/1' }, { name: 'GE1/0/2' }],
  snmp: { version: '2c', community: 'matrix-community' },
});
const device = (f: AuthzFixtures) => asAdmin(f, 'POST', '/api/v1/devices', deviceBody(f));

const linkBody = async (f: AuthzFixtures) => {
  const a = await device(f);
  const z = await device(f);
  return { name: `链路 ${f.unique('LINK')}`, aDevice: a.id, aInterface: 'GE1/0/1', zDevice: z.id, zInterface: 'GE1/0/1', capacityMbps: 100, payingUnit: f.target.division };
};
const link = async (f: AuthzFixtures) => (await asAdmin(f, 'POST', '/api/v1/links', await linkBody(f))).id;

const webhookBody = (f: AuthzFixtures) => ({ unit: f.target.division, url: 'https://noc.example.cn/events', secret: 'matrix-webhook-secret', events: ['incident.opened'] });
const webhook = async (f: AuthzFixtures) => (await asAdmin(f, 'POST', '/api/v1/webhooks', webhookBody(f))).id;

export const rows: AuthzRow[] = [
  // rooms
  ...forRoles({ name: 'list rooms', method: 'GET', path: '/api/v1/rooms', scope: '-' }, readers),
  ...forRoles({ name: 'read a room', method: 'GET', path: async (f) => `/api/v1/rooms/${await room(f)}`, scope: 'out' }, { ...readers, operator: 404 }),
  ...forRoles({ name: 'create a room', method: 'POST', path: '/api/v1/rooms', body: roomBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'create a room', method: 'POST', path: '/api/v1/rooms', body: roomBody, scope: 'out' }, outOfScope(201)),
  ...forRoles({ name: 'change a room', method: 'PATCH', path: async (f) => `/api/v1/rooms/${await room(f)}`, body: { address: '新地址' }, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'change a room', method: 'PATCH', path: async (f) => `/api/v1/rooms/${await room(f)}`, body: { address: '新地址' }, scope: 'out' }, outOfScope(200)),
  ...forRoles({ name: 'delete a room', method: 'DELETE', path: async (f) => `/api/v1/rooms/${await room(f)}`, scope: 'in' }, managers(204)),
  ...forRoles({ name: 'delete a room', method: 'DELETE', path: async (f) => `/api/v1/rooms/${await room(f)}`, scope: 'out' }, outOfScope(204)),

  // devices
  ...forRoles({ name: 'list devices', method: 'GET', path: '/api/v1/devices', scope: '-' }, { ...readers, applicant: 200 }),
  ...forRoles({ name: 'read a device', method: 'GET', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, scope: 'out' }, { ...readers, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'register a device', method: 'POST', path: '/api/v1/devices', body: deviceBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'register a device', method: 'POST', path: '/api/v1/devices', body: deviceBody, scope: 'out' }, outOfScope(201)),
  ...forRoles({ name: 'change a device', method: 'PATCH', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, body: { model: 'S6850' }, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'change a device', method: 'PATCH', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, body: { model: 'S6850' }, scope: 'out' }, outOfScope(200)),
  ...forRoles({ name: 'delete a device', method: 'DELETE', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, scope: 'in' }, managers(204)),
  ...forRoles({ name: 'delete a device', method: 'DELETE', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, scope: 'out' }, outOfScope(204)),

  // links
  ...forRoles({ name: 'list links', method: 'GET', path: '/api/v1/links', scope: '-' }, { ...readers, applicant: 200 }),
  ...forRoles({ name: 'read a link', method: 'GET', path: async (f) => `/api/v1/links/${await link(f)}`, scope: 'out' }, { ...readers, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'register a link', method: 'POST', path: '/api/v1/links', body: linkBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'register a link', method: 'POST', path: '/api/v1/links', body: linkBody, scope: 'out' }, outOfScope(201)),
  ...forRoles({ name: 'raise a link’s capacity', method: 'PATCH', path: async (f) => `/api/v1/links/${await link(f)}`, body: { capacityMbps: 200 }, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'raise a link’s capacity', method: 'PATCH', path: async (f) => `/api/v1/links/${await link(f)}`, body: { capacityMbps: 200 }, scope: 'out' }, outOfScope(200)),
  ...forRoles({ name: 'delete a link', method: 'DELETE', path: async (f) => `/api/v1/links/${await link(f)}`, scope: 'in' }, managers(204)),
  ...forRoles({ name: 'delete a link', method: 'DELETE', path: async (f) => `/api/v1/links/${await link(f)}`, scope: 'out' }, outOfScope(204)),

  // credentials leave the registry only to agents
  ...forRoles({ name: 'read agent targets (credentials)', method: 'GET', path: '/api/v1/agent/targets', scope: '-' }, { agent: 200, admin: 403, operator: 403, auditor: 403, applicant: 403, none: 401 }),

  // webhooks
  ...forRoles({ name: 'list webhooks', method: 'GET', path: '/api/v1/webhooks', scope: '-' }, readers),
  ...forRoles({ name: 'create a webhook', method: 'POST', path: '/api/v1/webhooks', body: webhookBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'create a webhook', method: 'POST', path: '/api/v1/webhooks', body: webhookBody, scope: 'out' }, outOfScope(201)),
  ...forRoles({ name: 'read a webhook’s deliveries', method: 'GET', path: async (f) => `/api/v1/webhooks/${await webhook(f)}/deliveries`, scope: 'in' }, readers),
  ...forRoles({ name: 'read a webhook’s deliveries', method: 'GET', path: async (f) => `/api/v1/webhooks/${await webhook(f)}/deliveries`, scope: 'out' }, { admin: 200, auditor: 200, operator: 404 }),
  ...forRoles({ name: 'change a webhook', method: 'PATCH', path: async (f) => `/api/v1/webhooks/${await webhook(f)}`, body: { active: false }, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'change a webhook', method: 'PATCH', path: async (f) => `/api/v1/webhooks/${await webhook(f)}`, body: { active: false }, scope: 'out' }, outOfScope(200)),
  ...forRoles({ name: 'delete a webhook', method: 'DELETE', path: async (f) => `/api/v1/webhooks/${await webhook(f)}`, scope: 'in' }, managers(204)),
  ...forRoles({ name: 'delete a webhook', method: 'DELETE', path: async (f) => `/api/v1/webhooks/${await webhook(f)}`, scope: 'out' }, outOfScope(204)),
];
