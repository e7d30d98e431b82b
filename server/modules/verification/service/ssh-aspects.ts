/**
 * The aspects an SSH check adds (see aspects.ts): interfaces (readdressed), LLDP neighbours
 * against the registered links (moved), configuration against the approved baseline
 * (config_drift), host key (host_key_changed); and trust on first use of the host key.
 * The comparisons themselves are pure, in ../ssh-judgements.ts.
 */
import { eq, sql } from 'drizzle-orm';
import type { Audit } from '../../../context.js';
import { rows, type Tx } from '../../../db/client.js';
import { deviceInterfaces } from '../../sites/schema.js';
import { judgeConfig, judgeHostKey, judgeInterfaces, judgeNeighbors, type RegisteredLinkEnd } from '../ssh-judgements.js';
import { deviceBaselines } from '../schema.js';
import type { Aspect } from './aspects.js';

const sshAnswered = (check: { method: string; status: string }) => check.method === 'ssh' && check.status === 'ok';

export const sshInterfaces: Aspect = async ({ tx, device, check }) => {
  if (!sshAnswered(check) || !check.interfaces) return [];
  const registered = await tx.select({ name: deviceInterfaces.name, address: deviceInterfaces.address }).from(deviceInterfaces).where(eq(deviceInterfaces.deviceId, device.id));
  const reported = check.interfaces.filter((i): i is { name: string; address: string } => i.address !== null);
  return judgeInterfaces(registered, reported);
};

/** The registered links of a device, each seen from its side: local interface, far device and interface. */
export async function linkEndsOf(tx: Tx, deviceId: number): Promise<RegisteredLinkEnd[]> {
  const found = await rows<{ link: string; local_if: string; peer_hostname: string; peer_if: string }>(
    tx,
    sql`SELECT l.name AS link,
               CASE WHEN l.a_device_id = ${deviceId} THEN ia.name ELSE iz.name END AS local_if,
               CASE WHEN l.a_device_id = ${deviceId} THEN dz.hostname ELSE da.hostname END AS peer_hostname,
               CASE WHEN l.a_device_id = ${deviceId} THEN iz.name ELSE ia.name END AS peer_if
        FROM links l
        JOIN device_interfaces ia ON ia.id = l.a_interface_id
        JOIN device_interfaces iz ON iz.id = l.z_interface_id
        JOIN devices da ON da.id = l.a_device_id
        JOIN devices dz ON dz.id = l.z_device_id
        WHERE l.a_device_id = ${deviceId} OR l.z_device_id = ${deviceId}
        ORDER BY l.id`,
  );
  return found.map((r) => ({ link: r.link, localIf: r.local_if, peerHostname: r.peer_hostname, peerIf: r.peer_if }));
}

export const sshNeighbors: Aspect = async ({ tx, device, check }) => {
  // LLDP off, or a dialect with no LLDP command: neighbours are absent, never judged moved.
  if (!sshAnswered(check) || !check.neighbors) return [];
  return judgeNeighbors(await linkEndsOf(tx, device.id), check.neighbors);
};

export const sshConfig: Aspect = async ({ tx, device, check, at }) => {
  if (!sshAnswered(check) || !check.configSha256) return [];
  const [baseline] = await tx.select().from(deviceBaselines).where(eq(deviceBaselines.deviceId, device.id));
  if (!baseline) return [];
  return judgeConfig({ sha256: baseline.configSha256, text: baseline.config, approvedAt: baseline.approvedAt, approvedBy: baseline.approvedBy }, check, at);
};

export const sshHostKey: Aspect = ({ device, check }) => (check.method === 'ssh' ? judgeHostKey(device.sshHostKeySha256, check) : []);

/**
 * Trust on first use: a device with no pinned key gets the key its first successful SSH check
 * presented, recorded in the audit trail; from then on the agent refuses any other. Only an
 * operator re-pins (PATCH /devices/{id} {ssh:{hostKeySha256}}), or forgets it (null) so the next check pins again.
 */
export async function pinHostKeyOnFirstUse(tx: Tx, audit: Audit, deviceId: number, check: { method: string; status: string; hostKeySha256?: string }, at: Date): Promise<string | null> {
  if (!sshAnswered(check) || !check.hostKeySha256) return null;
  const pinned = await rows<{ id: string | number; hostname: string }>(
    tx,
    sql`UPDATE devices SET ssh_host_key_sha256 = ${check.hostKeySha256}, updated_at = ${at.toISOString()}
        WHERE id = ${deviceId} AND ssh_host_key_sha256 IS NULL RETURNING id, hostname`,
  );
  if (pinned.length === 0) return null;
  await audit({
    action: 'device.ssh.pin',
    objectType: 'device',
    objectId: String(deviceId),
    before: { ssh: { hostKeySha256: null } },
    after: { ssh: { hostKeySha256: check.hostKeySha256 }, how: 'trust on first use: the key the first successful SSH check presented', checkedAt: at.toISOString() },
  });
  return check.hostKeySha256;
}

