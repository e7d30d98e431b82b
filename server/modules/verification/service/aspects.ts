import type { Tx } from '../../../db/client.js';
import type { FindingKind } from '../../findings/schema.js';
import type { DeviceCheckInput } from '../inputs.js';
import { sshConfig, sshHostKey, sshInterfaces, sshNeighbors } from './ssh-aspects.js';

/** What the comparison knows of the device as registered. */
export interface RegisteredDevice {
  id: number;
  hostname: string;
  serial: string;
  sshHostKeySha256: string | null;
}

/** One check as an aspect sees it: the registry's device, the check as posted, its time. */
export interface AspectInput {
  tx: Tx;
  device: RegisteredDevice;
  check: DeviceCheckInput;
  at: Date;
}

/**
 * What an aspect concluded about one finding (kind, subject): `problem` opens it (or leaves the
 * open one as it is) with that detail; `cured` resolves an open one with that comment. An aspect
 * that could not judge (the list was absent: not checked) returns no verdict for it, so neither
 * happens.
 */
export type Verdict = { kind: FindingKind; subject?: string } & ({ problem: string; diff?: unknown } | { cured: string });

/**
 * One part of the comparison of a check with the registry. The extension point: an aspect is a
 * function of the check; `aspects` below lists them, and `postDeviceCheck` applies every
 * verdict (openFinding / resolveFindingAutomatically) in the check's transaction. SSH adds
 * interfaces (readdressed), neighbours (moved), configuration (config_drift) and host key here.
 */
export type Aspect = (input: AspectInput) => Verdict[] | Promise<Verdict[]>;

const methodName = { snmp: 'SNMP', ssh: 'SSH' } as const;

/**
 * Reachability: a check that got no answer after the agent's retries, or was refused
 * authentication, opens `unreachable` naming the cause; any answer cures it. One finding per
 * method (subject 'snmp' / 'ssh'): SNMP answering says nothing about an SSH login that fails.
 */
export const reachability: Aspect = ({ check, at }) => {
  const how = methodName[check.method];
  const subject = check.method;
  const said = check.detail ? `: ${check.detail}` : '';
  if (check.status === 'unreachable') {
    return [{ kind: 'unreachable', subject, problem: `${how} check at ${at.toISOString()}: the device did not answer${said}` }];
  }
  if (check.status === 'auth_failed') {
    return [
      {
        kind: 'unreachable',
        subject,
        problem: `${how} check at ${at.toISOString()}: the device answered but refused the agent's credentials (authentication failed${said}); check the ${check.method === 'snmp' ? 'SNMP community or SNMPv3 user, keys and protocols' : 'SSH username and password or key'} registered for it`,
      },
    ];
  }
  return [{ kind: 'unreachable', subject, cured: `${how} answered again at ${at.toISOString()}` }];
};

/** Names compare without case, and a fully qualified sysName matches its first label (nn-pe-01.gx.gov.cn is nn-pe-01). */
export function sameName(registered: string, reported: string): boolean {
  const a = registered.trim().toLowerCase();
  const b = reported.trim().toLowerCase();
  return a === b || a.split('.')[0] === b || b.split('.')[0] === a;
}

/** Serials compare trimmed and without case: vendors print them in either. */
export const sameSerial = (registered: string, reported: string) => registered.trim().toUpperCase() === reported.trim().toUpperCase();

/**
 * Identity (article 19: not moved, not swapped): the sysName against the registered hostname,
 * the chassis serial against the registered serial, each its own finding (subjects 'sysName',
 * 'serial'), so a check that read only one of them leaves the other's finding as it is. A field
 * the registry leaves empty is not compared (and an open finding on it is cured: the registry
 * no longer claims anything); a field the agent did not read (absent, null, '') is not checked.
 */
export const identity: Aspect = ({ device, check }) => {
  if (check.status !== 'ok' || !check.identity) return [];
  const verdicts: Verdict[] = [];
  const { sysName, serial } = check.identity;
  if (typeof sysName === 'string' && sysName.trim() !== '') {
    verdicts.push(
      sameName(device.hostname, sysName)
        ? { kind: 'identity_mismatch', subject: 'sysName', cured: `sysName ${sysName} matches the registered hostname again` }
        : {
            kind: 'identity_mismatch',
            subject: 'sysName',
            problem: `the device at this address calls itself ${JSON.stringify(sysName)}, but the registry has ${JSON.stringify(device.hostname)}: a swapped or renamed device`,
          },
    );
  }
  if (typeof serial === 'string' && serial.trim() !== '') {
    if (device.serial.trim() === '') {
      verdicts.push({ kind: 'identity_mismatch', subject: 'serial', cured: 'the registry records no serial for the device' });
    } else {
      verdicts.push(
        sameSerial(device.serial, serial)
          ? { kind: 'identity_mismatch', subject: 'serial', cured: `serial ${serial} matches the registry again` }
          : {
              kind: 'identity_mismatch',
              subject: 'serial',
              problem: `the chassis serial reads ${JSON.stringify(serial)}, but the registry has ${JSON.stringify(device.serial)}: another device stands in its place`,
            },
      );
    }
  }
  return verdicts;
};

/** Every aspect a check is compared on, in order. Add one line per new aspect. */
export const aspects: Record<string, Aspect> = { reachability, identity, sshInterfaces, sshNeighbors, sshConfig, sshHostKey };
