import type { Ctx } from '../../context.js';
import { explainConstraint } from '../../db/errors.js';
import { forbidden, Problem } from '../../http/problem.js';
import { addRules, rules } from '../access/authorize.js';

const manage = ['admin', 'operator'] as const;
const readers = ['admin', 'operator', 'auditor'] as const;

/**
 * Operators manage the rooms, devices and links of units in their subtree; auditors read;
 * agents read only their own targets, the one place credentials leave the registry.
 */
addRules({
  'room.read': { roles: [...readers], scoped: false },
  'room.create': { roles: [...manage], scoped: true },
  'room.update': { roles: [...manage], scoped: true },
  'room.delete': { roles: [...manage], scoped: true },
  'device.read': { roles: [...readers], scoped: false },
  'device.create': { roles: [...manage], scoped: true },
  'device.update': { roles: [...manage], scoped: true },
  'device.delete': { roles: [...manage], scoped: true },
  'link.read': { roles: [...readers], scoped: false },
  'link.create': { roles: [...manage], scoped: true },
  'link.update': { roles: [...manage], scoped: true },
  'link.delete': { roles: [...manage], scoped: true },
  'agent.targets.read': { roles: ['agent'], scoped: false },
});

/**
 * The role half of a scoped rule, checked before the verb looks anything up: a role that may
 * never do this hears 403, not 404 about an object it named.
 */
export function assertRole(ctx: Ctx, action: string): void {
  const rule = rules[action];
  if (!rule) throw new Error(`no authorization rule for ${action}`);
  if (!rule.roles.includes(ctx.actor.role)) throw forbidden(`the role ${ctx.actor.role} may not ${action.replace('.', ' ')}`);
}

const inUse = (detail: string) => () => new Problem(409, 'in_use', detail);
const duplicate = (detail: string) => () => new Problem(409, 'conflict', detail);

explainConstraint('devices_hostname_key', duplicate('a device with this hostname is already registered; hostnames are unique'));
explainConstraint('rooms_unit_name_key', duplicate('this unit already has a machine room of that name'));
explainConstraint('device_interfaces_device_name_key', duplicate('the device already has an interface of that name'));
explainConstraint('links_a_interface_key', duplicate('that A-end interface is already an end of another link'));
explainConstraint('links_z_interface_key', duplicate('that Z-end interface is already an end of another link'));
explainConstraint('links_a_interface_fk', inUse('the interface (or its device) is an end of a link; delete or re-terminate the link first'));
explainConstraint('links_z_interface_fk', inUse('the interface (or its device) is an end of a link; delete or re-terminate the link first'));
explainConstraint('links_capacity_positive', () => new Problem(400, 'validation_failed', 'capacityMbps must be a whole number of Mbps above 0', { field: 'capacityMbps' }));
explainConstraint('links_distinct_devices', () => new Problem(422, 'rule_violation', 'a link joins two different devices'));
explainConstraint('devices_room_id_rooms_id_fk', inUse('devices are registered in this machine room; move or delete them first'));
explainConstraint('devices_mgmt_address_id_addresses_id_fk', inUse('the address is the management address of a registered device; change the device first'));
explainConstraint('devices_owner_unit_code_units_code_fk', inUse('the unit owns registered devices; give them another owner first'));
explainConstraint('rooms_unit_code_units_code_fk', inUse('the unit runs machine rooms; delete them first'));
explainConstraint('links_paying_unit_code_units_code_fk', inUse('the unit pays for links; give them another paying unit first'));
