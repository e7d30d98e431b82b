/**
 * The SSH check's comparisons with the registry, pure: interfaces (→ readdressed), LLDP
 * neighbours against the registered links (→ moved), configuration against the approved
 * baseline (→ config_drift, with a unified diff), the presented host key against the pinned one
 * (→ host_key_changed). Each returns verdicts in the shape the verification aspects apply:
 * `problem` opens a finding (kind, subject), `cured` resolves an open one; no verdict when the
 * check did not look (an absent list is "not checked", never "none").
 */
import { createTwoFilesPatch } from 'diff';
import { AddressError, parseInterfaceAddress } from '../../net/cidr.js';
import { interfaceKey, sameInterface } from '../../net/ifname.js';
import type { FindingKind } from '../findings/schema.js';

export type SshVerdict = { kind: FindingKind; subject?: string } & ({ problem: string; diff?: unknown } | { cured: string });

/** The address as the registry writes it (`10.1.2.1/30`), or the text itself when it does not parse. */
function canonical(address: string): string {
  try {
    const a = parseInterfaceAddress(address);
    return `${a.address.text}/${a.prefix.length}`;
  } catch (err) {
    if (err instanceof AddressError) return address.trim();
    throw err;
  }
}

/**
 * Each registered interface with an address against what the device reports for it: its own
 * address and length must both match (10.1.2.2/30 where 10.1.2.1/30 is registered is a
 * re-addressing even inside the same /30). An interface the device does not report with an
 * address at all is readdressed too (its address was removed or moved elsewhere).
 */
export function judgeInterfaces(registered: Array<{ name: string; address: string | null }>, reported: Array<{ name: string; address: string }> | undefined): SshVerdict[] {
  if (!reported) return [];
  const byKey = new Map(reported.map((r) => [interfaceKey(r.name), r]));
  const verdicts: SshVerdict[] = [];
  for (const reg of registered) {
    if (!reg.address) continue;
    const want = canonical(reg.address);
    const seen = byKey.get(interfaceKey(reg.name));
    if (!seen) {
      verdicts.push({ kind: 'readdressed', subject: reg.name, problem: `${reg.name} has no address on the device; the registry has ${want}` });
    } else if (canonical(seen.address) !== want) {
      verdicts.push({ kind: 'readdressed', subject: reg.name, problem: `${reg.name} has ${canonical(seen.address)} on the device; the registry has ${want}` });
    } else {
      verdicts.push({ kind: 'readdressed', subject: reg.name, cured: `${reg.name} has the registered ${want} again` });
    }
  }
  return verdicts;
}

/**
 * LLDP system names: without case; a fully qualified name matches its first label; IOS's
 * `show lldp neighbors` cuts the Device ID to 20 characters, so a 20-character name matches a
 * registered name it begins.
 */
export function sameSysName(registered: string, reported: string): boolean {
  const a = registered.trim().toLowerCase();
  const b = reported.trim().toLowerCase();
  if (a === b || a.split('.')[0] === b.split('.')[0]) return true;
  return b.length === 20 && a.startsWith(b);
}

export interface RegisteredLinkEnd {
  /** the link's name, for the finding's text */
  link: string;
  localIf: string;
  peerHostname: string;
  peerIf: string;
}

/**
 * Each registered link of the device against the LLDP neighbour on its local port: another
 * system or another port at the far end, or no neighbour at all, means the device (or the far
 * end) was moved. Neighbours on ports with no registered link are not judged (the registry
 * lists the extranet links, not every cable). Interface names compare through the shared
 * normaliser, so `GE1/0/0` from the neighbour matches the registered `GigabitEthernet1/0/0`.
 */
export function judgeNeighbors(links: RegisteredLinkEnd[], reported: Array<{ localIf: string; remoteSysName: string; remoteIf: string }> | undefined): SshVerdict[] {
  if (!reported) return [];
  const verdicts: SshVerdict[] = [];
  for (const l of links) {
    const here = reported.filter((n) => sameInterface(n.localIf, l.localIf));
    const match = here.find((n) => sameSysName(l.peerHostname, n.remoteSysName) && sameInterface(n.remoteIf, l.peerIf));
    if (match) {
      verdicts.push({ kind: 'moved', subject: l.localIf, cured: `${l.localIf} sees ${l.peerHostname} ${l.peerIf} again, as link ${l.link} is registered` });
    } else if (here.length === 0) {
      verdicts.push({ kind: 'moved', subject: l.localIf, problem: `no LLDP neighbour on ${l.localIf}; link ${l.link} is registered to ${l.peerHostname} ${l.peerIf}` });
    } else {
      const seen = here.map((n) => `${n.remoteSysName} ${n.remoteIf}`).join(', ');
      verdicts.push({ kind: 'moved', subject: l.localIf, problem: `${l.localIf} sees ${seen} by LLDP; link ${l.link} is registered to ${l.peerHostname} ${l.peerIf}` });
    }
  }
  return verdicts;
}

export interface Baseline {
  sha256: string;
  text: string;
  approvedAt: Date;
  approvedBy: string;
}

/** The unified diff from the approved baseline to the configuration read now. */
export function configDiff(baseline: Baseline, text: string, at: Date): string {
  return createTwoFilesPatch('baseline', 'running', baseline.text, text, `approved ${baseline.approvedAt.toISOString()} by ${baseline.approvedBy}`, `checked ${at.toISOString()}`);
}

/**
 * The configuration's hash against the approved baseline's. No baseline yet: nothing to judge
 * (an operator approves one). A check that read no configuration judges nothing either: a
 * device that refused the login is unreachable, never drifted.
 */
export function judgeConfig(baseline: Baseline | null, check: { configSha256?: string | null; config?: string | null }, at: Date): SshVerdict[] {
  if (!baseline || !check.configSha256) return [];
  if (check.configSha256 === baseline.sha256) {
    return [{ kind: 'config_drift', cured: `the configuration matches the baseline approved ${baseline.approvedAt.toISOString()} again` }];
  }
  const diff = check.config != null ? configDiff(baseline, check.config, at) : undefined;
  return [
    {
      kind: 'config_drift',
      problem: `the configuration (sha256 ${check.configSha256.slice(0, 12)}…) differs from the baseline approved ${baseline.approvedAt.toISOString()} by ${baseline.approvedBy} (sha256 ${baseline.sha256.slice(0, 12)}…)`,
      ...(diff !== undefined ? { diff } : {}),
    },
  ];
}

/**
 * The host key: a check refused for a key other than the pinned one opens `host_key_changed`
 * naming both; a check that logged in with the pinned key cures it. With nothing pinned the
 * caller pins the presented key (trust on first use) and there is nothing to judge.
 */
export function judgeHostKey(pinned: string | null, check: { status: string; hostKeySha256?: string | null }): SshVerdict[] {
  if (check.status === 'host_key_changed') {
    return [
      {
        kind: 'host_key_changed',
        problem: `the device presented host key ${check.hostKeySha256 ?? '(not reported)'}, not the pinned ${pinned ?? '(none)'}; the agent did not log in. An operator who has confirmed the new key re-pins it (PATCH /devices/{id} {ssh:{hostKeySha256}})`,
      },
    ];
  }
  const bare = (f: string) => f.trim().replace(/^SHA256:/, '').replace(/=+$/, '');
  if (check.status === 'ok' && pinned && check.hostKeySha256 && bare(check.hostKeySha256) === bare(pinned)) {
    return [{ kind: 'host_key_changed', cured: `the device presents the pinned host key ${pinned}` }];
  }
  return [];
}
