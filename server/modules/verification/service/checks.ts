import { and, eq, sql } from 'drizzle-orm';
import { mutate, type Audit, type Ctx } from '../../../context.js';
import { rows, type Tx } from '../../../db/client.js';
import { forbidden, invalid, Problem } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import type { FindingView } from '../../findings/inputs.js';
import { findings } from '../../findings/schema.js';
import { findingView, openFinding, resolveFindingAutomatically } from '../../findings/service.js';
import { devices } from '../../sites/schema.js';
import { agentMayReport } from '../../sites/service/targets.js';
import { resolveDevicesHeardFrom } from '../../telemetry/service/incidents.js';
import { MAX_CHECKS_PER_BATCH, type DeviceCheckBatchInput, type DeviceCheckBatchResult, type DeviceCheckInput, type DeviceCheckResult } from '../inputs.js';
import { aspects, type RegisteredDevice } from './aspects.js';
import { pinHostKeyOnFirstUse } from './ssh-aspects.js';

const futureSlackMs = 5 * 60_000;

/** Every finding open on the device after the check: what an agent's --once table shows and exits non-zero on. */
async function openFindingsOf(tx: Tx, deviceId: number): Promise<FindingView[]> {
  const found = await tx
    .select({ finding: findings, hostname: devices.hostname })
    .from(findings)
    .innerJoin(devices, eq(devices.id, findings.deviceId))
    .where(and(eq(findings.deviceId, deviceId), eq(findings.status, 'open')))
    .orderBy(findings.id);
  return found.map((r) => findingView(r.finding, r.hostname));
}

/** What a check refuses before any transaction: `field` prefixed for a batch (checks.3.at). */
function validate(ctx: Ctx, input: DeviceCheckInput, prefix: string): void {
  const now = ctx.now();
  if (Date.parse(input.at) > now.getTime() + futureSlackMs) {
    throw invalid(`${prefix}at ${input.at} lies more than 5 minutes ahead of the server's clock (${now.toISOString()}): check the agent's clock (NTP)`, { field: `${prefix}at` });
  }
  if (input.config !== undefined && input.configSha256 === undefined) {
    throw invalid(`${prefix}config comes with its configSha256 (the hash of the normalised text)`, { field: `${prefix}configSha256` });
  }
}

interface Stored extends DeviceCheckResult {
  incidentsResolved: string[];
}

/**
 * One check inside the caller's transaction: the device must exist and, for an agent, be its
 * own for that method; stored unless the same (device, method, at) is; judged when it is the
 * newest of its device and method.
 */
async function storeAndJudge(tx: Tx, ctx: Ctx, audit: Audit, input: DeviceCheckInput, prefix: string): Promise<Stored> {
  const now = ctx.now();
  const at = new Date(input.at);
  const deviceId = Number(input.device);
  const [device] = await rows<{ id: string | number; hostname: string; serial: string; ssh_host_key_sha256: string | null }>(
    tx,
    sql`SELECT id, hostname, serial, ssh_host_key_sha256 FROM devices WHERE id = ${deviceId}`,
  );
  if (!device) throw invalid(`${prefix}device ${input.device} is not a registered device`, { field: `${prefix}device` });
  if (ctx.actor.role === 'agent' && !(await agentMayReport(tx, ctx.actor.userId, deviceId, now, input.method))) {
    throw forbidden(`device ${device.hostname} (${device.id}) is not assigned to agent ${ctx.actor.username} for ${input.method.toUpperCase()}; it may post checks only for its own devices`);
  }
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
  const [stored] = await rows<{ id: string | number }>(
    tx,
    sql`INSERT INTO device_checks (device_id, method, at, status, detail, host_key_sha256, identity, interfaces, neighbors, config_sha256, config, reported_by, received_at)
        VALUES (${deviceId}, ${input.method}, ${at.toISOString()}, ${input.status}, ${input.detail ?? null}, ${input.hostKeySha256 ?? null},
                ${json(input.identity)}::jsonb, ${json(input.interfaces)}::jsonb, ${json(input.neighbors)}::jsonb,
                ${input.configSha256 ?? null}, ${input.config ?? null}, ${ctx.actor.userId}, ${now.toISOString()})
        ON CONFLICT (device_id, method, at) DO NOTHING
        RETURNING id`,
  );
  const base = { device: String(deviceId), method: input.method, at: at.toISOString(), status: input.status };
  if (!stored) {
    // A replay: the same check is stored already; nothing changes, not even the audit trail.
    const [existing] = await rows<{ id: string | number }>(
      tx,
      sql`SELECT id FROM device_checks WHERE device_id = ${deviceId} AND method = ${input.method} AND at = ${at.toISOString()}`,
    );
    return { id: String(existing.id), ...base, duplicate: true, judged: false, opened: [], resolved: [], incidentsResolved: [] };
  }
  const [newer] = await rows<{ id: string | number }>(
    tx,
    sql`SELECT id FROM device_checks WHERE device_id = ${deviceId} AND method = ${input.method} AND at > ${at.toISOString()} LIMIT 1`,
  );
  const opened: FindingView[] = [];
  const resolved: FindingView[] = [];
  const incidentsResolved: string[] = [];
  if (!newer) {
    const pinned = device.ssh_host_key_sha256 ?? (await pinHostKeyOnFirstUse(tx, audit, deviceId, input, at));
    const registered: RegisteredDevice = { id: deviceId, hostname: device.hostname, serial: device.serial, sshHostKeySha256: pinned };
    for (const aspect of Object.values(aspects)) {
      for (const verdict of await aspect({ tx, device: registered, check: input, at })) {
        if ('problem' in verdict) {
          const made = await openFinding(tx, audit, { deviceId, kind: verdict.kind, subject: verdict.subject, detail: verdict.problem, diff: verdict.diff, at });
          if (made.created) opened.push(made.finding);
        } else {
          const cured = await resolveFindingAutomatically(tx, audit, { deviceId, kind: verdict.kind, subject: verdict.subject, comment: verdict.cured, at });
          if (cured) resolved.push(cured);
        }
      }
    }
    if (input.status !== 'unreachable') {
      for (const incident of await resolveDevicesHeardFrom(tx, audit, new Map([[deviceId, at]]))) incidentsResolved.push(incident.id);
    }
  }
  return { id: String(stored.id), ...base, duplicate: false, judged: !newer, opened, resolved, incidentsResolved };
}

const answer = ({ incidentsResolved: _, ...result }: Stored): DeviceCheckResult => result;

/**
 * Stores an agent's check of a device and compares it with the registry. Idempotent per
 * (device, method, at): a replayed check answers `duplicate: true` and changes nothing. Only the
 * latest check by a method is judged: a spool replayed late stores its history without
 * reopening what a newer check cured. A device that answers (any status but `unreachable`) is
 * heard from: its open `device_down` incident ends, as a reading would end it.
 */
export async function postDeviceCheck(ctx: Ctx, input: DeviceCheckInput): Promise<DeviceCheckResult> {
  authorize(ctx, 'device-check.create');
  validate(ctx, input, '');
  return mutate(ctx, async (tx, audit) => {
    const result = await storeAndJudge(tx, ctx, audit, input, '');
    if (!result.duplicate) {
      await audit({
        action: 'device-check.create',
        objectType: 'device_check',
        objectId: result.id,
        // The check itself is the row; the trail says who reported what and what it changed (never the configuration text).
        after: {
          device: result.device,
          method: result.method,
          at: result.at,
          status: result.status,
          judged: result.judged,
          opened: result.opened.map((f) => f.id),
          resolved: result.resolved.map((f) => f.id),
          incidentsResolved: result.incidentsResolved,
        },
      });
    }
    // The single check's answer lists every finding open on the device (the agent's --once table).
    return { ...answer(result), open: await openFindingsOf(tx, Number(result.device)) };
  });
}

/**
 * A cycle's checks at once (an addition to API.md): each stored and judged as
 * `postDeviceCheck` does, in one transaction with one audit entry for the batch, so an agent
 * polling a thousand devices every five minutes adds one entry per cycle, not a thousand. One
 * check refused (unknown device, not the agent's, in the future) refuses the batch; nothing is
 * stored.
 */
export async function postDeviceChecks(ctx: Ctx, input: DeviceCheckBatchInput): Promise<DeviceCheckBatchResult> {
  authorize(ctx, 'device-check.create');
  if (input.checks.length > MAX_CHECKS_PER_BATCH) {
    throw new Problem(413, 'payload_too_large', `a batch holds at most ${MAX_CHECKS_PER_BATCH.toLocaleString('en')} checks and this one has ${input.checks.length.toLocaleString('en')}: send it as several batches`, {
      limit: MAX_CHECKS_PER_BATCH,
      received: input.checks.length,
    });
  }
  input.checks.forEach((check, i) => validate(ctx, check, `checks.${i}.`));
  if (input.checks.length === 0) return { received: 0, accepted: 0, duplicates: 0, results: [] };
  return mutate(ctx, async (tx, audit) => {
    const stored: Stored[] = [];
    for (let i = 0; i < input.checks.length; i++) stored.push(await storeAndJudge(tx, ctx, audit, input.checks[i], `checks.${i}.`));
    const accepted = stored.filter((s) => !s.duplicate);
    if (accepted.length > 0) {
      await audit({
        action: 'device-check.ingest',
        objectType: 'device_checks',
        // One entry per batch, named by its request; what it stored and changed is in `after`.
        objectId: ctx.requestId ?? `${ctx.actor.username}@${ctx.now().toISOString()}`,
        after: {
          received: stored.length,
          accepted: accepted.length,
          checks: accepted.map((s) => ({ id: s.id, device: s.device, method: s.method, status: s.status, judged: s.judged })),
          opened: accepted.flatMap((s) => s.opened.map((f) => f.id)),
          resolved: accepted.flatMap((s) => s.resolved.map((f) => f.id)),
          incidentsResolved: accepted.flatMap((s) => s.incidentsResolved),
        },
      });
    }
    return { received: stored.length, accepted: accepted.length, duplicates: stored.length - accepted.length, results: stored.map(answer) };
  });
}
