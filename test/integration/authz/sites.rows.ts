// Rooms, devices, links, agent targets and webhooks (issue 5, part A). Row shape and fixtures: test/support/authz.ts.
import { acrossCounties, forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';

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

const deviceBody = (f: AuthzFixtures, owner = f.target.division) => ({
  hostname: f.unique('dev').toLowerCase(),
  role: 'aggregation',
  vendor: 'h3c',
  ownerUnit: owner,
  interfaces: [{ name: 'GE1/0/1' }, { name: 'GE1/0/2' }],
  snmp: { version: '2c', community: 'matrix-community' },
});
const device = (f: AuthzFixtures, owner?: string) => asAdmin(f, 'POST', '/api/v1/devices', deviceBody(f, owner));

// A device of Xingning (f.in, in both operators' subtrees) that names the target's room or agent:
// the device is the caller's own, the room or agent is what lies in or out of its scope.
const ownDeviceIn = async (f: AuthzFixtures) => ({ ...deviceBody(f, f.in.division), room: await room(f) });
const ownDevicePolledBy = (f: AuthzFixtures) => ({ ...deviceBody(f, f.in.division), snmp: { agent: f.target.agent.username, version: '2c', community: 'matrix-community' } });
const ownDevice = async (f: AuthzFixtures) => `/api/v1/devices/${(await device(f, f.in.division)).id}`;
/** Expected statuses of a write that names the target's object from a device of Xingning. */
const naming = (ok: number) =>
  [
    { scope: 'in', expected: { admin: ok, operator: ok, countyOperator: ok } },
    { scope: 'sibling', expected: { admin: ok, operator: ok, countyOperator: 403 } },
    { scope: 'out', expected: { admin: ok, operator: 403, countyOperator: 403 } },
  ] as const;

const linkBody = async (f: AuthzFixtures) => {
  const a = await device(f);
  const z = await device(f);
  return { name: `链路 ${f.unique('LINK')}`, aDevice: a.id, aInterface: 'GE1/0/1', zDevice: z.id, zInterface: 'GE1/0/1', capacityMbps: 100, payingUnit: f.target.division };
};
const link = async (f: AuthzFixtures) => (await asAdmin(f, 'POST', '/api/v1/links', await linkBody(f))).id;

/** A link from a device of `aOwner` to a device of `zOwner`, paid by Xingning. */
const linkBetween = (aOwner: (f: AuthzFixtures) => string, zOwner: (f: AuthzFixtures) => string) => async (f: AuthzFixtures) => {
  const a = await device(f, aOwner(f));
  const z = await device(f, zOwner(f));
  return { name: `链路 ${f.unique('LINK')}`, aDevice: a.id, aInterface: 'GE1/0/1', zDevice: z.id, zInterface: 'GE1/0/1', capacityMbps: 100, payingUnit: f.in.division };
};
// Xingning (f.in) and the target: another county of Nanning, or Liuzhou in another city (the
// upper level at the A end: Liuzhou's city node before Xingning's county).
const acrossTo = linkBetween(
  (f) => (f.target === f.out ? f.target.division : f.in.division),
  (f) => (f.target === f.out ? f.in.division : f.target.division),
);
// Nanning's own node down to Xingning.
const cityDown = linkBetween(() => '450100', (f) => f.in.division);
const linkAcross = async (f: AuthzFixtures) => `/api/v1/links/${(await asAdmin(f, 'POST', '/api/v1/links', await acrossTo(f))).id}`;

const webhookBody = (f: AuthzFixtures) => ({ unit: f.target.division, url: 'https://10.45.0.9/events', secret: 'matrix-webhook-secret', events: ['incident.opened'] });
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
  ...acrossCounties({ name: 'create a room', method: 'POST', path: '/api/v1/rooms', body: roomBody }, 201),
  ...acrossCounties({ name: 'change a room', method: 'PATCH', path: async (f) => `/api/v1/rooms/${await room(f)}`, body: { address: '新地址' } }, 200),
  ...acrossCounties({ name: 'delete a room', method: 'DELETE', path: async (f) => `/api/v1/rooms/${await room(f)}` }, 204),

  // devices
  ...forRoles({ name: 'list devices', method: 'GET', path: '/api/v1/devices', scope: '-' }, { ...readers, applicant: 200 }),
  ...forRoles({ name: 'read a device', method: 'GET', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, scope: 'out' }, { ...readers, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'register a device', method: 'POST', path: '/api/v1/devices', body: deviceBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'register a device', method: 'POST', path: '/api/v1/devices', body: deviceBody, scope: 'out' }, outOfScope(201)),
  ...forRoles({ name: 'change a device', method: 'PATCH', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, body: { model: 'S6850' }, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'change a device', method: 'PATCH', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, body: { model: 'S6850' }, scope: 'out' }, outOfScope(200)),
  ...forRoles({ name: 'delete a device', method: 'DELETE', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, scope: 'in' }, managers(204)),
  ...forRoles({ name: 'delete a device', method: 'DELETE', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, scope: 'out' }, outOfScope(204)),
  ...acrossCounties({ name: 'register a device', method: 'POST', path: '/api/v1/devices', body: deviceBody }, 201),
  ...acrossCounties({ name: 'change a device', method: 'PATCH', path: async (f) => `/api/v1/devices/${(await device(f)).id}`, body: { model: 'S6850' } }, 200),
  ...acrossCounties({ name: 'delete a device', method: 'DELETE', path: async (f) => `/api/v1/devices/${(await device(f)).id}` }, 204),
  // A device stands only in a room, and is polled only by an agent, of the caller's subtree.
  ...naming(201).flatMap(({ scope, expected }) => [
    ...forRoles({ name: 'register a device in the target’s room', method: 'POST', path: '/api/v1/devices', body: ownDeviceIn, scope }, expected),
    ...forRoles({ name: 'register a device polled by the target’s agent', method: 'POST', path: '/api/v1/devices', body: ownDevicePolledBy, scope }, expected),
  ]),
  ...naming(200).flatMap(({ scope, expected }) => [
    ...forRoles({ name: 'move a device into the target’s room', method: 'PATCH', path: ownDevice, body: async (f) => ({ room: await room(f) }), scope }, expected),
    ...forRoles(
      { name: 'hand a device to the target’s agent', method: 'PATCH', path: ownDevice, body: (f) => ({ ssh: { agent: f.target.agent.username, username: 'netops', password: 'matrix-password' } }), scope },
      expected,
    ),
  ]),

  // links
  ...forRoles({ name: 'list links', method: 'GET', path: '/api/v1/links', scope: '-' }, { ...readers, applicant: 200 }),
  ...forRoles({ name: 'read a link', method: 'GET', path: async (f) => `/api/v1/links/${await link(f)}`, scope: 'out' }, { ...readers, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'register a link', method: 'POST', path: '/api/v1/links', body: linkBody, scope: 'in' }, managers(201)),
  ...forRoles({ name: 'register a link', method: 'POST', path: '/api/v1/links', body: linkBody, scope: 'out' }, outOfScope(201)),
  ...forRoles({ name: 'raise a link’s capacity', method: 'PATCH', path: async (f) => `/api/v1/links/${await link(f)}`, body: { capacityMbps: 200 }, scope: 'in' }, managers(200)),
  ...forRoles({ name: 'raise a link’s capacity', method: 'PATCH', path: async (f) => `/api/v1/links/${await link(f)}`, body: { capacityMbps: 200 }, scope: 'out' }, outOfScope(200)),
  ...forRoles({ name: 'delete a link', method: 'DELETE', path: async (f) => `/api/v1/links/${await link(f)}`, scope: 'in' }, managers(204)),
  ...forRoles({ name: 'delete a link', method: 'DELETE', path: async (f) => `/api/v1/links/${await link(f)}`, scope: 'out' }, outOfScope(204)),
  ...acrossCounties({ name: 'register a link', method: 'POST', path: '/api/v1/links', body: linkBody }, 201),
  ...acrossCounties({ name: 'raise a link’s capacity', method: 'PATCH', path: async (f) => `/api/v1/links/${await link(f)}`, body: { capacityMbps: 200 } }, 200),
  ...acrossCounties({ name: 'delete a link', method: 'DELETE', path: async (f) => `/api/v1/links/${await link(f)}` }, 204),
  // A link is registered, changed and removed by an operator whose subtree holds both ends: one
  // between two counties by their city (or the admin), never by either county.
  ...forRoles({ name: 'register a link from Xingning to the target', method: 'POST', path: '/api/v1/links', body: acrossTo, scope: 'sibling' }, { admin: 201, operator: 201, countyOperator: 403 }),
  ...forRoles({ name: 'register a link from Xingning to the target', method: 'POST', path: '/api/v1/links', body: acrossTo, scope: 'out' }, { admin: 201, operator: 403, countyOperator: 403 }),
  ...forRoles({ name: 'register a link from the city’s node down to Xingning', method: 'POST', path: '/api/v1/links', body: cityDown, scope: 'in' }, { admin: 201, operator: 201, countyOperator: 403 }),
  ...forRoles({ name: 'raise the capacity of a link from Xingning to the target', method: 'PATCH', path: linkAcross, body: { capacityMbps: 200 }, scope: 'sibling' }, { admin: 200, operator: 200, countyOperator: 403 }),
  ...forRoles({ name: 'delete a link from Xingning to the target', method: 'DELETE', path: linkAcross, scope: 'sibling' }, { admin: 204, operator: 204, countyOperator: 403 }),

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
  ...acrossCounties({ name: 'create a webhook', method: 'POST', path: '/api/v1/webhooks', body: webhookBody }, 201),
  ...acrossCounties({ name: 'change a webhook', method: 'PATCH', path: async (f) => `/api/v1/webhooks/${await webhook(f)}`, body: { active: false } }, 200),
  ...acrossCounties({ name: 'delete a webhook', method: 'DELETE', path: async (f) => `/api/v1/webhooks/${await webhook(f)}` }, 204),
];
