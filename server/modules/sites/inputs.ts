import { z } from '@hono/zod-openapi';
import { idCursor } from '../../http/paging.js';
import { objectId } from '../../http/params.js';
import { username } from '../access/inputs.js';
import { unitCode } from '../divisions/inputs.js';
import { vrfName } from '../ipam/inputs.js';
import { deviceDialects, deviceRoles, deviceVendors } from './schema.js';


const page = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: idCursor.optional(),
};

// ---- rooms ---------------------------------------------------------------------------

export const createRoomInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    unit: unitCode.openapi({ description: 'the region, city or county division that runs the room' }),
    address: z.string().trim().max(500).default(''),
  })
  .strict()
  .openapi('CreateRoom');
export type CreateRoomInput = z.infer<typeof createRoomInput>;

export const updateRoomInput = z
  .object({ name: z.string().trim().min(1).max(200).optional(), address: z.string().trim().max(500).optional() })
  .strict()
  .openapi('UpdateRoom');
export type UpdateRoomInput = z.infer<typeof updateRoomInput>;

export const listRoomsQuery = z
  .object({ unit: unitCode.optional(), within: unitCode.optional().openapi({ description: 'rooms of this unit’s subtree' }), ...page })
  .strict();
export type ListRoomsQuery = z.infer<typeof listRoomsQuery>;

export const roomSchema = z
  .object({ id: z.string(), name: z.string(), unit: z.string(), unitName: z.string(), address: z.string(), createdAt: z.string(), updatedAt: z.string() })
  .openapi('Room');
export type RoomView = z.infer<typeof roomSchema>;

// ---- devices -------------------------------------------------------------------------

export const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, 'letters, digits, dot, underscore and hyphen, starting and ending with a letter or digit')
  .openapi({ example: 'nn-pe-01' });

const interfaceName = z.string().trim().min(1).max(64).openapi({ example: 'GigabitEthernet0/0/1' });

export const interfaceInput = z
  .object({
    name: interfaceName,
    address: z.string().max(64).nullable().optional().openapi({ description: 'the interface’s own address with its length, e.g. 10.1.2.1/30', example: '10.1.2.1/30' }),
  })
  .strict()
  .openapi('DeviceInterfaceInput');

const secret = (max: number) => z.string().min(1).max(max);

export const snmpAuthProtocols = ['MD5', 'SHA', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'] as const;
/**
 * AES-192/256 come in two incompatible key extensions: the plain names are Blumenthal's
 * (draft-blumenthal-aes-usm, what net-snmp's snmpd speaks: measured against Debian's 5.9.3),
 * the `-C` names Reeder's, which Cisco uses (net-snmp's AES256C). agents/snmp/v3.ts maps them.
 */
export const snmpPrivProtocols = ['DES', 'AES', 'AES-192', 'AES-256', 'AES-192-C', 'AES-256-C'] as const;
const v3Fields = ['user', 'authProtocol', 'authKey', 'privProtocol', 'privKey'] as const;

/**
 * SNMP polling. Credentials are write-only: giving any credential field replaces the whole
 * credential (so `version` comes with it); `agent` and `port` alone keep the stored one.
 */
export const snmpInput = z
  .object({
    agent: username.nullable().optional().openapi({ description: 'username of the agent (role agent) that polls by SNMP; null unassigns' }),
    version: z.enum(['2c', '3']).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    community: secret(255).optional(),
    user: z.string().min(1).max(64).optional(),
    authProtocol: z.enum(snmpAuthProtocols).optional(),
    authKey: z.string().min(8, 'an SNMPv3 key is at least 8 characters (RFC 3414)').max(255).optional(),
    privProtocol: z.enum(snmpPrivProtocols).optional(),
    privKey: z.string().min(8, 'an SNMPv3 key is at least 8 characters (RFC 3414)').max(255).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const given = (['community', ...v3Fields] as const).filter((k) => s[k] !== undefined);
    if (given.length > 0 && !s.version) ctx.addIssue({ code: 'custom', path: ['version'], message: `give version (2c or 3) with the credentials (${given.join(', ')})` });
    if (s.version === '2c') {
      for (const k of v3Fields) if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `${k} belongs to SNMPv3; version 2c takes a community` });
    }
    if (s.version === '3') {
      if (s.community !== undefined) ctx.addIssue({ code: 'custom', path: ['community'], message: 'SNMPv3 takes user, authProtocol/authKey and privProtocol/privKey, not a community' });
      const any3 = v3Fields.some((k) => s[k] !== undefined);
      if (any3 && !s.user) ctx.addIssue({ code: 'custom', path: ['user'], message: 'SNMPv3 credentials need the user' });
      if ((s.authProtocol === undefined) !== (s.authKey === undefined)) ctx.addIssue({ code: 'custom', path: ['authKey'], message: 'authProtocol and authKey come together' });
      if ((s.privProtocol === undefined) !== (s.privKey === undefined)) ctx.addIssue({ code: 'custom', path: ['privKey'], message: 'privProtocol and privKey come together' });
      if (s.privProtocol !== undefined && s.authProtocol === undefined) ctx.addIssue({ code: 'custom', path: ['privProtocol'], message: 'privacy needs authentication (authPriv): give authProtocol and authKey too' });
    }
  })
  .openapi('SnmpSettings');
export type SnmpInput = z.infer<typeof snmpInput>;

export const sshInput = z
  .object({
    agent: username.nullable().optional().openapi({ description: 'username of the agent (role agent) that reads the device by SSH; null unassigns' }),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().min(1).max(64).optional(),
    password: secret(1024).optional(),
    privateKey: secret(16384)
      .regex(/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, 'a PEM or OpenSSH private key, beginning with -----BEGIN … PRIVATE KEY-----')
      .optional(),
    passphrase: secret(1024).optional().openapi({ description: 'for an encrypted privateKey' }),
    hostKeySha256: z
      .string()
      .max(100)
      .regex(/^(SHA256:)?[A-Za-z0-9+/]{43}=?$/, 'the SHA-256 fingerprint of the host key as OpenSSH prints it (SHA256:… base64)')
      .nullable()
      .optional()
      .openapi({ description: 'pin the host key; null forgets it, so the next check pins what it finds' }),
    legacyAlgorithms: z
      .boolean()
      .optional()
      .openapi({ description: 'offer this device the legacy algorithms old releases need (diffie-hellman-group14-sha1 key exchange, ssh-rsa host keys, CBC ciphers); never offered to others' }),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.password !== undefined && s.privateKey !== undefined) ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'give a password or a privateKey, not both' });
    if (s.passphrase !== undefined && s.privateKey === undefined) ctx.addIssue({ code: 'custom', path: ['passphrase'], message: 'a passphrase goes with a privateKey' });
  })
  .openapi('SshSettings');
export type SshInput = z.infer<typeof sshInput>;

const responsible = z
  .object({
    name: z.string().trim().min(1).max(100),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9 ()-]{2,30}$/, 'a telephone number: digits, optionally with +, spaces, hyphens and parentheses'),
  })
  .strict()
  .openapi('ResponsiblePerson');

const deviceFields = {
  hostname,
  room: objectId.nullable().optional().openapi({ description: 'the machine room id' }),
  role: z.enum(deviceRoles),
  vendor: z.enum(deviceVendors),
  dialect: z.enum(deviceDialects).nullable().optional().openapi({ description: 'the SSH agent’s command dialect; needed for SSH' }),
  model: z.string().trim().max(100).optional(),
  serial: z.string().trim().max(100).optional(),
  mgmtAddress: z.string().max(64).nullable().optional().openapi({ description: 'the management address, without length', example: '10.45.0.10' }),
  mgmtVrf: vrfName.optional().openapi({ description: 'the VRF where the management address is registered; absent: the public and internet VRFs' }),
  ownerUnit: unitCode.openapi({ description: 'a department for a boundary device, the division for a node device' }),
  responsible: responsible.optional().openapi({ description: 'article 19: the designated person; required for a boundary device' }),
  interfaces: z.array(interfaceInput).max(2000).optional(),
  snmp: snmpInput.nullable().optional(),
  ssh: sshInput.nullable().optional(),
};

export const createDeviceInput = z.object(deviceFields).strict().openapi('CreateDevice');
export type CreateDeviceInput = z.infer<typeof createDeviceInput>;

export const updateDeviceInput = z
  .object({
    ...deviceFields,
    hostname: hostname.optional(),
    role: z.enum(deviceRoles).optional(),
    vendor: z.enum(deviceVendors).optional(),
    ownerUnit: unitCode.optional(),
    interfaces: z.array(interfaceInput).max(2000).optional().openapi({ description: 'the complete set: interfaces kept by name keep their id, absent ones are removed' }),
  })
  .strict()
  .openapi('UpdateDevice');
export type UpdateDeviceInput = z.infer<typeof updateDeviceInput>;

export const listDevicesQuery = z
  .object({
    owner: unitCode.optional(),
    within: unitCode.optional().openapi({ description: 'devices owned in this unit’s subtree' }),
    room: objectId.optional(),
    role: z.enum(deviceRoles).optional(),
    hostname: z.string().max(253).optional(),
    agent: username.optional().openapi({ description: 'devices this agent polls, by either method' }),
    ...page,
  })
  .strict();
export type ListDevicesQuery = z.infer<typeof listDevicesQuery>;

export const warningSchema = z.object({ code: z.string(), field: z.string(), message: z.string() }).openapi('Warning');
export type Warning = z.infer<typeof warningSchema>;

export const interfaceSchema = z.object({ id: z.string(), name: z.string(), address: z.string().nullable() }).openapi('DeviceInterface');

export const deviceSchema = z
  .object({
    id: z.string(),
    hostname: z.string(),
    room: z.string().nullable(),
    role: z.enum(deviceRoles),
    vendor: z.enum(deviceVendors),
    dialect: z.enum(deviceDialects).nullable(),
    model: z.string(),
    serial: z.string(),
    mgmtAddress: z.string().nullable(),
    mgmtAddressId: z.string().nullable().openapi({ description: 'the IPAM address record, when the management address is registered' }),
    ownerUnit: z.string(),
    responsible: z.object({ name: z.string(), phone: z.string() }),
    interfaces: z.array(interfaceSchema),
    snmp: z
      .object({ agent: z.string().nullable(), version: z.enum(['2c', '3']).nullable(), port: z.number(), credentials: z.object({ configured: z.boolean() }) })
      .nullable(),
    ssh: z
      .object({
        agent: z.string().nullable(),
        port: z.number(),
        username: z.string().nullable(),
        credentials: z.object({ configured: z.boolean() }),
        hostKeySha256: z.string().nullable(),
        legacyAlgorithms: z.boolean(),
      })
      .nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    warnings: z.array(warningSchema).optional().openapi({ description: 'on writes: what the registry could not match (unregistered addresses)' }),
  })
  .openapi('Device');
export type DeviceView = z.infer<typeof deviceSchema>;

// ---- links ---------------------------------------------------------------------------

const deviceRef = z.string().min(1).max(253).openapi({ description: 'the device id (or its hostname)', example: '12' });

export const createLinkInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    aDevice: deviceRef.openapi({ description: 'the upper-level end' }),
    aInterface: interfaceName,
    zDevice: deviceRef,
    zInterface: interfaceName,
    capacityMbps: z.number().int().positive('capacity is a whole number of Mbps above 0').max(10_000_000),
    payingUnit: unitCode.openapi({ description: 'the level that pays for the link and decides its expansion (article 20)' }),
    circuitId: z.string().trim().max(100).default(''),
    carrier: z.string().trim().max(100).default(''),
  })
  .strict()
  .openapi('CreateLink');
export type CreateLinkInput = z.infer<typeof createLinkInput>;

export const updateLinkInput = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    capacityMbps: z.number().int().positive('capacity is a whole number of Mbps above 0').max(10_000_000).optional().openapi({ description: 'raising it fulfils an approved expansion request' }),
    payingUnit: unitCode.optional(),
    circuitId: z.string().trim().max(100).optional(),
    carrier: z.string().trim().max(100).optional(),
  })
  .strict()
  .openapi('UpdateLink');
export type UpdateLinkInput = z.infer<typeof updateLinkInput>;

export const listLinksQuery = z
  .object({
    device: objectId.optional().openapi({ description: 'links with this device at either end' }),
    payingUnit: unitCode.optional(),
    within: unitCode.optional().openapi({ description: 'links paid for in this unit’s subtree' }),
    ...page,
  })
  .strict();
export type ListLinksQuery = z.infer<typeof listLinksQuery>;

export const linkSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    aDevice: z.string(),
    aHostname: z.string(),
    aInterface: z.string(),
    zDevice: z.string(),
    zHostname: z.string(),
    zInterface: z.string(),
    capacityMbps: z.number(),
    payingUnit: z.string(),
    circuitId: z.string(),
    carrier: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Link');
export type LinkView = z.infer<typeof linkSchema>;

// ---- agent targets -------------------------------------------------------------------

export const targetsQuery = z
  .object({
    method: z.enum(['snmp', 'ssh']).optional().openapi({ description: 'only this method; an agent assigned only the other method is refused' }),
    lease: z.coerce
      .number()
      .int()
      .min(30)
      .max(86_400)
      .optional()
      .openapi({ description: 'seconds: also take unassigned devices of the agent’s unit subtree that no other agent holds, for this long (needs method)' }),
    max: z.coerce.number().int().min(1).max(10_000).optional().openapi({ description: 'with lease: take at most this many pool devices (default 100), so agents split a pool' }),
  })
  .strict();
export type TargetsQuery = z.infer<typeof targetsQuery>;

const snmpCredentialsSchema = z
  .object({
    version: z.enum(['2c', '3']),
    port: z.number(),
    community: z.string().optional(),
    user: z.string().optional(),
    authProtocol: z.string().optional(),
    authKey: z.string().optional(),
    privProtocol: z.string().optional(),
    privKey: z.string().optional(),
  })
  .openapi('SnmpTarget');

const sshCredentialsSchema = z
  .object({
    port: z.number(),
    username: z.string().nullable(),
    password: z.string().optional(),
    privateKey: z.string().optional(),
    passphrase: z.string().optional(),
    hostKeySha256: z.string().nullable(),
    legacyAlgorithms: z.boolean().openapi({ description: 'offer the legacy algorithms to this device only' }),
  })
  .openapi('SshTarget');

export const targetSchema = z
  .object({
    id: z.string(),
    hostname: z.string(),
    role: z.string(),
    vendor: z.string(),
    dialect: z.string().nullable(),
    model: z.string(),
    serial: z.string(),
    mgmtAddress: z.string().nullable(),
    methods: z.array(z.enum(['snmp', 'ssh'])),
    leased: z.boolean(),
    interfaces: z.array(
      z.object({
        name: z.string(),
        address: z.string().nullable(),
        link: z.object({ id: z.string(), end: z.enum(['a', 'z']), capacityMbps: z.number() }).nullable(),
      }),
    ),
    snmp: snmpCredentialsSchema.nullable().optional(),
    ssh: sshCredentialsSchema.nullable().optional(),
  })
  .openapi('AgentTarget');
export type TargetView = z.infer<typeof targetSchema>;

export const targetsSchema = z
  .object({
    agent: z.string(),
    method: z.enum(['snmp', 'ssh']).nullable(),
    leaseExpiresAt: z.string().nullable(),
    pollIntervalSeconds: z.number().int().openapi({ description: 'the server’s WAIWANG_POLL_INTERVAL_SECONDS: agents poll at this interval, so both agree on what "silent for 3 intervals" means' }),
    items: z.array(targetSchema),
    nextCursor: z.null(),
  })
  .openapi('AgentTargets');
export type TargetsView = z.infer<typeof targetsSchema>;
