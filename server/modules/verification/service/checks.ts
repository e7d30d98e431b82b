import { and, eq, sql } from 'drizzle-orm';
import { mutate, type Ctx } from '../../../context.js';
import { rows, type Tx } from '../../../db/client.js';
import { forbidden, invalid } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import type { FindingView } from '../../findings/inputs.js';
import { findings } from '../../findings/schema.js';
import { findingView, openFinding, resolveFindingAutomatically } from '../../findings/service.js';
import { devices } from '../../sites/schema.js';
import { agentMayReport } from '../../sites/service/targets.js';
import { resolveDevicesHeardFrom } from '../../telemetry/service/incidents.js';
import type { DeviceCheckInput, DeviceCheckResult } from '../inputs.js';
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

/**
 * Stores an agent's check of a device and compares it with the registry. Idempotent per
 * (device, method, at): a replayed check answers `duplicate: true` and changes nothing. Only the
 * latest check by a method is judged: a spool replayed late stores its history without
 * reopening what a newer check cured. A device that answers (any status but `unreachable`) is
 * heard from: its open `device_down` incident ends, as a reading would end it.
 */
export async function postDeviceCheck(ctx: Ctx, input: DeviceCheckInput): Promise<DeviceCheckResult> {
  authorize(ctx, 'device-check.create');
  const now = ctx.now();
  const at = new Date(input.at);
  if (at.getTime() > now.getTime() + futureSlackMs) {
    throw invalid(`at ${input.at} lies more than 5 minutes ahead of the server's clock (${now.toISOString()}): check the agent's clock (NTP)`, { field: 'at' });
  }
  if (input.config !== undefined && input.configSha256 === undefined) {
    throw invalid('config comes with its configSha256 (the hash of the normalised text)', { field: 'configSha256' });
  }
  const deviceId = Number(input.device);
  return mutate(ctx, async (tx, audit) => {
    const [device] = await rows<{ id: string | number; hostname: string; serial: string; ssh_host_key_sha256: string | null }>(
      tx,
      sql`SELECT id, hostname, serial, ssh_host_key_sha256 FROM devices WHERE id = ${deviceId}`,
    );
    if (!device) throw invalid(`device ${input.device} is not a registered device`, { field: 'device' });
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
      return { id: String(existing.id), ...base, duplicate: true, judged: false, opened: [], resolved: [], open: await openFindingsOf(tx, deviceId) };
    }
    const [newer] = await rows<{ id: string | number }>(
      tx,
      sql`SELECT id FROM device_checks WHERE device_id = ${deviceId} AND method = ${input.method} AND at > ${at.toISOString()} LIMIT 1`,
    );
    const opened: FindingView[] = [];
    const resolved: FindingView[] = [];
    const incidents: string[] = [];
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
        for (const incident of await resolveDevicesHeardFrom(tx, audit, new Map([[deviceId, at]]))) incidents.push(incident.id);
      }
    }
    const id = String(stored.id);
    await audit({
      action: 'device-check.create',
      objectType: 'device_check',
      objectId: id,
      // The check itself is the row; the trail says who reported what and what it changed (never the configuration text).
      after: { ...base, judged: !newer, opened: opened.map((f) => f.id), resolved: resolved.map((f) => f.id), incidentsResolved: incidents },
    });
    return { id, ...base, duplicate: false, judged: !newer, opened, resolved, open: await openFindingsOf(tx, deviceId) };
  });
}
