import { z } from '@hono/zod-openapi';
import { objectId } from '../../http/params.js';
import { findingSchema } from '../findings/inputs.js';
import { checkMethods, checkStatuses } from './schema.js';

/** Checks in one batch (POST /device-checks/batch): a cycle of a thousand devices is one request. */
export const MAX_CHECKS_PER_BATCH = 2_000;

/** A stored configuration is at most this long (a large VRP configuration is ~1 MB). */
export const MAX_CONFIG_CHARS = 4_000_000;

const rfc3339 = z.iso.datetime({ offset: true, message: 'an RFC 3339 time with offset, e.g. 2025-01-06T08:00:00+08:00' });
const shortText = (max: number) => z.string().max(max);

export const deviceCheckInput = z
  .object({
    device: z.union([objectId, z.number().int().positive()]).openapi({ description: 'the device id', example: '12' }),
    at: rfc3339.openapi({ description: 'when the agent checked; at most 5 minutes ahead of the server’s clock', example: '2025-01-06T08:00:00+08:00' }),
    method: z.enum(checkMethods),
    status: z.enum(checkStatuses),
    detail: shortText(1000).optional().openapi({ description: 'the agent’s words for a failure (timeout after 2 retries, USM wrong digest, …); shown in the finding' }),
    hostKeySha256: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'an OpenSSH fingerprint, SHA256:<43 base64 characters>')
      .optional()
      .openapi({ description: 'the host key the device presented (ssh)' }),
    identity: z
      .object({
        sysName: shortText(255).nullable().optional().openapi({ description: 'SNMPv2-MIB sysName, or the prompt’s name' }),
        serial: shortText(255).nullable().optional().openapi({ description: 'the chassis serial (ENTITY-MIB entPhysicalSerialNum, display esn); absent or null: not read' }),
        sysObjectID: z
          .string()
          .regex(/^[0-9]+(\.[0-9]+)*$/, 'a numeric OID, e.g. 1.3.6.1.4.1.2011.2.23.96')
          .max(255)
          .nullable()
          .optional(),
      })
      .strict()
      .optional(),
    interfaces: z
      .array(z.object({ name: shortText(128), address: shortText(64).nullable() }).strict())
      .max(10_000)
      .optional()
      .openapi({ description: 'interfaces with their own address; absent: not checked' }),
    neighbors: z
      .array(z.object({ localIf: shortText(128), remoteSysName: shortText(255), remoteIf: shortText(128) }).strict())
      .max(10_000)
      .optional()
      .openapi({ description: 'LLDP neighbours; absent: not checked (LLDP off), never "none"' }),
    configSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'a SHA-256 as 64 lower-case hex digits')
      .optional(),
    config: z.string().max(MAX_CONFIG_CHARS).optional().openapi({ description: 'the normalised configuration text, secrets masked by the agent' }),
  })
  .strict()
  .openapi('DeviceCheck', {
    example: {
      device: '12',
      at: '2025-01-06T08:00:00+08:00',
      method: 'snmp',
      status: 'ok',
      identity: { sysName: 'nn-boundary-01', serial: '2102351931P0K8000123', sysObjectID: '1.3.6.1.4.1.2011.2.23.96' },
    },
  });
export type DeviceCheckInput = z.infer<typeof deviceCheckInput>;

export const deviceCheckResultSchema = z
  .object({
    id: z.string(),
    device: z.string(),
    method: z.enum(checkMethods),
    at: z.string(),
    status: z.enum(checkStatuses),
    duplicate: z.boolean().openapi({ description: 'the registry already had this check (a replayed spool): nothing changed' }),
    judged: z
      .boolean()
      .openapi({ description: 'compared with the registry; false for a duplicate and for a check older than the latest one by that method (a late spool changes no finding)' }),
    opened: z.array(findingSchema),
    resolved: z.array(findingSchema),
    open: z
      .array(findingSchema)
      .optional()
      .openapi({ description: 'every finding open on the device after this check (what the agent’s --once table shows); in the answer of POST /device-checks, not of the batch' }),
  })
  .openapi('DeviceCheckResult');
export type DeviceCheckResult = z.infer<typeof deviceCheckResultSchema>;

export const deviceCheckBatchInput = z
  .object({
    checks: z.array(deviceCheckInput).openapi({ description: `at most ${MAX_CHECKS_PER_BATCH} checks (413 above)` }),
  })
  .strict()
  .openapi('DeviceCheckBatch');
export type DeviceCheckBatchInput = z.infer<typeof deviceCheckBatchInput>;

export const deviceCheckBatchResultSchema = z
  .object({
    received: z.number().int(),
    accepted: z.number().int().openapi({ description: 'checks new to the registry' }),
    duplicates: z.number().int().openapi({ description: 'checks it already had (a replayed spool): changed nothing' }),
    results: z.array(deviceCheckResultSchema).openapi({ description: 'one per check, in order' }),
  })
  .openapi('DeviceCheckBatchResult');
export type DeviceCheckBatchResult = z.infer<typeof deviceCheckBatchResultSchema>;

// ---- baselines -------------------------------------------------------------------------

export const approveBaselineInput = z
  .object({
    comment: z.string().trim().max(4000).optional().openapi({ description: 'why this configuration is the approved one (the change request, who asked)' }),
  })
  .strict()
  .openapi('ApproveBaseline', { example: { comment: '变更单 2026-118: 新增到 PE 的第二条链路' } });
export type ApproveBaselineInput = z.infer<typeof approveBaselineInput>;

export const baselineSchema = z
  .object({
    device: z.string(),
    hostname: z.string(),
    configSha256: z.string(),
    config: z.string().openapi({ description: 'the normalised configuration, secrets masked by the agent' }),
    check: z.string().nullable().openapi({ description: 'the SSH check the configuration was read by' }),
    checkedAt: z.string().nullable(),
    approvedBy: z.string(),
    approvedAt: z.string(),
    comment: z.string(),
    resolved: z.array(findingSchema).openapi({ description: 'the config_drift finding the approval closed, if one was open' }),
  })
  .openapi('DeviceBaseline');
export type BaselineView = z.infer<typeof baselineSchema>;
