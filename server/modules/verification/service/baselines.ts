import { eq, sql } from 'drizzle-orm';
import { mutate, type Ctx } from '../../../context.js';
import { rows } from '../../../db/client.js';
import { conflict, notFound } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import { resolveFindingAutomatically } from '../../findings/service.js';
import type { ApproveBaselineInput, BaselineView } from '../inputs.js';
import { deviceBaselines } from '../schema.js';

/**
 * An operator in scope approves the configuration the last SSH check read as the device's
 * baseline: the text (secrets already masked by the agent), its hash, the check, who and when.
 * Replaces the previous baseline (the audit trail keeps each approval, by hash). An open
 * config_drift finding is resolved by it: what drifted is now what was approved.
 */
export async function approveBaseline(ctx: Ctx, id: string, input: ApproveBaselineInput): Promise<BaselineView> {
  return mutate(ctx, async (tx, audit) => {
    const [device] = await rows<{ id: string | number; hostname: string; code: string; path: string }>(
      tx,
      sql`SELECT d.id, d.hostname, u.code, u.path FROM devices d JOIN units u ON u.code = d.owner_unit_code WHERE d.id = ${Number(id)} FOR UPDATE OF d`,
    );
    if (!device) {
      authorize(ctx, 'device.baseline.approve');
      throw notFound(`device ${id}`);
    }
    authorize(ctx, 'device.baseline.approve', { unit: { code: device.code, path: device.path } });
    const deviceId = Number(device.id);
    const [last] = await rows<{ id: string | number; at_ms: number; config_sha256: string; config: string }>(
      tx,
      sql`SELECT id, (extract(epoch FROM at) * 1000)::float8 AS at_ms, config_sha256, config FROM device_checks
          WHERE device_id = ${deviceId} AND method = 'ssh' AND config IS NOT NULL ORDER BY at DESC LIMIT 1`,
    );
    if (!last) {
      throw conflict(`no SSH check of ${device.hostname} has read its configuration yet: assign an SSH agent (ssh.agent) and let it check the device, then approve`);
    }
    const [before] = await tx.select().from(deviceBaselines).where(eq(deviceBaselines.deviceId, deviceId));
    const now = ctx.now();
    const values = {
      deviceId,
      configSha256: last.config_sha256,
      config: last.config,
      checkId: Number(last.id),
      approvedBy: ctx.actor.username,
      approvedAt: now,
      comment: input.comment ?? '',
    };
    await tx.insert(deviceBaselines).values(values).onConflictDoUpdate({ target: deviceBaselines.deviceId, set: values });
    const checkedAt = new Date(Number(last.at_ms)).toISOString();
    const resolved = await resolveFindingAutomatically(tx, audit, {
      deviceId,
      kind: 'config_drift',
      comment: `the configuration read at ${checkedAt} was approved as the baseline by ${ctx.actor.username}${input.comment ? `: ${input.comment}` : ''}`,
      at: now,
    });
    const summary = (b: { configSha256: string; checkId: number | null; approvedBy: string; approvedAt: Date; comment: string }) => ({
      configSha256: b.configSha256,
      check: b.checkId === null ? null : String(b.checkId),
      approvedBy: b.approvedBy,
      approvedAt: b.approvedAt.toISOString(),
      comment: b.comment,
    });
    await audit({
      action: 'device.baseline.approve',
      objectType: 'device',
      objectId: String(deviceId),
      // The hashes, never the text: the configuration is in device_baselines and device_checks.
      before: before ? summary(before) : null,
      after: summary(values),
    });
    return {
      device: String(deviceId),
      hostname: device.hostname,
      configSha256: values.configSha256,
      config: values.config,
      check: String(values.checkId),
      checkedAt,
      approvedBy: values.approvedBy,
      approvedAt: now.toISOString(),
      comment: values.comment,
      resolved: resolved ? [resolved] : [],
    };
  });
}
