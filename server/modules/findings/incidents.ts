/**
 * A finding of the verification agents is a fault to report (article 19: a boundary device moved,
 * re-addressed, modified or swapped without consent; article 20: reported at once to the
 * upper-level O&M unit): each opens an incident on the same path as link faults, and ends with it.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Audit } from '../../context.js';
import { rows, type Executor, type Tx } from '../../db/client.js';
import type { IncidentView } from '../telemetry/inputs.js';
import { incidents, type IncidentKind } from '../telemetry/schema.js';
import { openIncident, resolveIncident } from '../telemetry/service/incidents.js';
import { upperLevelUnits } from '../telemetry/service/reporting.js';
import type { FindingView } from './inputs.js';
import type { FindingKind } from './schema.js';

/** The finding kinds that are incidents; speed_mismatch and counter32_on_fast_link are registry chores, not faults. */
export const incidentKindOfFinding: Partial<Record<FindingKind, IncidentKind>> = {
  moved: 'device_moved',
  readdressed: 'device_readdressed',
  config_drift: 'config_drift',
  identity_mismatch: 'identity_mismatch',
  unreachable: 'device_unreachable',
  host_key_changed: 'host_key_changed',
};

/**
 * The device rule of fault reports: the paying unit of the device's first link (by id), else
 * its owner; reported to that unit's upper level. A boundary device of a department of county
 * 450102 reports to 450100.
 */
export async function deviceReporting(db: Executor, deviceId: number): Promise<{ payingUnit: string; reportedTo: string }> {
  const [row] = await rows<{ unit: string }>(
    db,
    sql`SELECT COALESCE((SELECT l.paying_unit_code FROM links l WHERE l.a_device_id = d.id OR l.z_device_id = d.id ORDER BY l.id LIMIT 1), d.owner_unit_code) AS unit
        FROM devices d WHERE d.id = ${deviceId}`,
  );
  const upper = await upperLevelUnits(db, [row.unit]);
  return { payingUnit: row.unit, reportedTo: upper.get(row.unit) ?? row.unit };
}

/** Opens the incident of a newly opened finding, when its kind is a fault. */
export async function openIncidentForFinding(tx: Tx, audit: Audit, finding: FindingView, at: Date): Promise<IncidentView | null> {
  const kind = incidentKindOfFinding[finding.kind];
  if (!kind) return null;
  const deviceId = Number(finding.device);
  const { payingUnit, reportedTo } = await deviceReporting(tx, deviceId);
  const what = finding.subject ? `${finding.hostname ?? `device ${deviceId}`} ${finding.subject}` : (finding.hostname ?? `device ${deviceId}`);
  return openIncident(tx, audit, {
    kind,
    deviceId,
    linkId: null,
    findingId: Number(finding.id),
    reportedTo,
    payingUnitCode: payingUnit,
    detail: `${what}: ${finding.detail} (finding ${finding.id})`,
    openedAt: at,
    detectedAt: at,
  });
}

/** Resolves the open incident of a finding that was resolved (by the next good check or by an operator). */
export async function resolveIncidentForFinding(tx: Tx, audit: Audit, findingId: number, at: Date, note: string): Promise<IncidentView | null> {
  const [before] = await tx
    .select()
    .from(incidents)
    .where(and(eq(incidents.findingId, findingId), eq(incidents.status, 'open')))
    .for('update');
  if (!before) return null;
  return resolveIncident(tx, audit, before, at, note);
}
