import { explainConstraint } from '../../db/errors.js';
import { Problem } from '../../http/problem.js';

// What the sites tables' constraints mean to a person, next to the module that defines them.
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
