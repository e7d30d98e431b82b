import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, foreignKey, index, inet, integer, pgTable, primaryKey, text, timestamp, unique, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from '../access/schema.js';
import { units } from '../divisions/schema.js';
import { addresses } from '../ipam/schema.js';

export const deviceRoles = ['boundary', 'pe', 'ce', 'core', 'aggregation', 'firewall'] as const;
export type DeviceRole = (typeof deviceRoles)[number];
export const deviceVendors = ['huawei', 'h3c', 'cisco', 'ruijie', 'zte'] as const;
export const deviceDialects = ['huawei-vrp', 'h3c-comware', 'cisco-ios'] as const;

/** Node machine rooms (节点机房, article 20): run by a region, city or county division (checked by the service). */
export const rooms = pgTable(
  'rooms',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    address: text('address').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('rooms_unit_idx').on(t.unitCode), uniqueIndex('rooms_unit_name_key').on(t.unitCode, t.name)],
);

/**
 * Routers, firewalls and the boundary devices of article 19. Credentials are AES-256-GCM
 * envelopes (see server/crypto/secret-box.ts), never plain text; the API only ever says whether one is set.
 */
export const devices = pgTable(
  'devices',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    hostname: text('hostname').notNull(),
    roomId: bigint('room_id', { mode: 'number' }).references(() => rooms.id),
    role: text('role', { enum: deviceRoles }).notNull(),
    vendor: text('vendor', { enum: deviceVendors }).notNull(),
    dialect: text('dialect', { enum: deviceDialects }),
    model: text('model').notNull().default(''),
    serial: text('serial').notNull().default(''),
    mgmtAddress: inet('mgmt_address'),
    mgmtAddressId: bigint('mgmt_address_id', { mode: 'number' }).references(() => addresses.id),
    ownerUnitCode: text('owner_unit_code')
      .notNull()
      .references(() => units.code),
    responsibleName: text('responsible_name').notNull().default(''),
    responsiblePhone: text('responsible_phone').notNull().default(''),
    snmpAgentUserId: bigint('snmp_agent_user_id', { mode: 'number' }).references(() => users.id),
    snmpVersion: text('snmp_version', { enum: ['2c', '3'] }),
    snmpPort: integer('snmp_port'),
    sshAgentUserId: bigint('ssh_agent_user_id', { mode: 'number' }).references(() => users.id),
    sshPort: integer('ssh_port'),
    sshUsername: text('ssh_username'),
    snmpCredentials: text('snmp_credentials'),
    sshCredentials: text('ssh_credentials'),
    sshHostKeySha256: text('ssh_host_key_sha256'),
    /** Offer SHA-1 key exchange and `ssh-rsa` host keys to this device only (old VRP5/Comware 5 releases offer nothing else). */
    sshLegacyAlgorithms: boolean('ssh_legacy_algorithms').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('devices_hostname_key').on(t.hostname),
    index('devices_owner_idx').on(t.ownerUnitCode),
    index('devices_room_idx').on(t.roomId),
    index('devices_snmp_agent_idx').on(t.snmpAgentUserId),
    index('devices_ssh_agent_idx').on(t.sshAgentUserId),
    check('devices_role_check', sql`${t.role} IN ('boundary', 'pe', 'ce', 'core', 'aggregation', 'firewall')`),
    check('devices_vendor_check', sql`${t.vendor} IN ('huawei', 'h3c', 'cisco', 'ruijie', 'zte')`),
    check('devices_ports_check', sql`(${t.snmpPort} IS NULL OR ${t.snmpPort} BETWEEN 1 AND 65535) AND (${t.sshPort} IS NULL OR ${t.sshPort} BETWEEN 1 AND 65535)`),
  ],
);

/** Interfaces with their own address as configured ('10.1.2.1/30' kept as inet, length and all). */
export const deviceInterfaces = pgTable(
  'device_interfaces',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deviceId: bigint('device_id', { mode: 'number' })
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    address: inet('address'),
  },
  (t) => [
    unique('device_interfaces_device_name_key').on(t.deviceId, t.name),
    // The target of the links' composite keys: an interface is named together with its device.
    unique('device_interfaces_device_id_key').on(t.deviceId, t.id),
  ],
);

/** A circuit between two interfaces; A is the upper-level side; the paying unit decides expansion (article 20). */
export const links = pgTable(
  'links',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    aDeviceId: bigint('a_device_id', { mode: 'number' }).notNull(),
    aInterfaceId: bigint('a_interface_id', { mode: 'number' }).notNull(),
    zDeviceId: bigint('z_device_id', { mode: 'number' }).notNull(),
    zInterfaceId: bigint('z_interface_id', { mode: 'number' }).notNull(),
    capacityMbps: integer('capacity_mbps').notNull(),
    payingUnitCode: text('paying_unit_code')
      .notNull()
      .references(() => units.code),
    circuitId: text('circuit_id').notNull().default(''),
    carrier: text('carrier').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ name: 'links_a_interface_fk', columns: [t.aDeviceId, t.aInterfaceId], foreignColumns: [deviceInterfaces.deviceId, deviceInterfaces.id] }),
    foreignKey({ name: 'links_z_interface_fk', columns: [t.zDeviceId, t.zInterfaceId], foreignColumns: [deviceInterfaces.deviceId, deviceInterfaces.id] }),
    uniqueIndex('links_a_interface_key').on(t.aInterfaceId),
    uniqueIndex('links_z_interface_key').on(t.zInterfaceId),
    index('links_a_device_idx').on(t.aDeviceId),
    index('links_z_device_idx').on(t.zDeviceId),
    index('links_paying_unit_idx').on(t.payingUnitCode),
    check('links_capacity_positive', sql`${t.capacityMbps} > 0`),
    check('links_distinct_devices', sql`${t.aDeviceId} <> ${t.zDeviceId}`),
  ],
);

/**
 * Agent leases: with `?lease=`, an agent takes a device for one method until `expires_at`,
 * so that agents sharing a pool never poll the same device twice.
 */
export const agentLeases = pgTable(
  'agent_leases',
  {
    deviceId: bigint('device_id', { mode: 'number' })
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    method: text('method', { enum: ['snmp', 'ssh'] }).notNull(),
    agentUserId: bigint('agent_user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ name: 'agent_leases_pkey', columns: [t.deviceId, t.method] }), check('agent_leases_method_check', sql`${t.method} IN ('snmp', 'ssh')`)],
);

export type RoomRow = typeof rooms.$inferSelect;
export type DeviceRow = typeof devices.$inferSelect;
export type DeviceInterfaceRow = typeof deviceInterfaces.$inferSelect;
export type LinkRow = typeof links.$inferSelect;
