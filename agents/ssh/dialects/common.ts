/** Pure helpers the dialects share: configuration normalising, address blocks, header-led tables. */
import { maskFromDotted } from '../../../server/net/cidr.js';
import { expandInterfaceName, interfaceKey, type DialectName } from '../../../server/net/ifname.js';
import type { CheckedInterface } from './types.js';

/** What replaces a secret: fixed, so the hash of the configuration does not carry the secret either. */
export const MASK = '<secret>';

export interface ConfigRules {
  /** lines that change without anyone changing the configuration (timestamps, byte counts, clock drift) */
  volatile: RegExp[];
  /** [pattern, replacement] applied to each line in turn; replacements use {@link MASK} */
  secrets: Array<[RegExp, string]>;
}

/**
 * The text the agent hashes and sends: trailing blanks trimmed (devices pad lines unevenly),
 * volatile lines dropped, secrets masked, leading and trailing blank lines removed.
 */
export function normaliseConfig(output: string, rules: ConfigRules): string {
  const lines: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (rules.volatile.some((v) => v.test(line))) continue;
    let masked = line;
    for (const [pattern, replacement] of rules.secrets) masked = masked.replace(pattern, replacement);
    lines.push(masked);
  }
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * Primary interface addresses from a configuration: `interface X` opens a block, indented lines
 * belong to it; `ip address A M` (the first one not marked `sub`/`secondary`) is kept with the
 * interface's own address and the mask as a length (`10.1.2.1/30`, never the network: a
 * re-addressing inside a /30 must show). Keyed by {@link interfaceKey}.
 */
export function configAddresses(config: string, dialect: DialectName): Map<string, CheckedInterface> {
  const found = new Map<string, CheckedInterface>();
  let current: string | null = null;
  for (const line of config.split('\n')) {
    const open = /^interface\s+(\S+)/.exec(line);
    if (open) {
      current = expandInterfaceName(open[1], dialect);
      continue;
    }
    if (!/^\s/.test(line)) {
      current = null;
      continue;
    }
    if (!current) continue;
    const ip = /^\s+ip address (\d+\.\d+\.\d+\.\d+) (\d+\.\d+\.\d+\.\d+)(\s+\S+)?\s*$/.exec(line);
    if (!ip || ip[3]) continue; // `sub` (VRP, Comware) and `secondary` (IOS) addresses are not the interface's own
    const key = interfaceKey(current);
    if (!found.has(key)) found.set(key, { name: current, address: `${ip[1]}/${maskFromDotted(ip[2])}` });
  }
  return found;
}

/**
 * A table whose header names its columns: finds the header line, orders the wanted columns by
 * where their titles start, and splits each following row on runs of blanks. The last column
 * takes the rest of the line. Rows with fewer fields than columns are skipped (wrapped or blank).
 */
export function headerTable<K extends string>(
  output: string,
  columns: Record<K, RegExp>,
  opts: { stop?: RegExp; skip?: RegExp } = {},
): Array<Record<K, string>> | null {
  const lines = output.split('\n');
  const entries = Object.entries(columns) as Array<[K, RegExp]>;
  let header = -1;
  let order: K[] = [];
  for (let i = 0; i < lines.length; i++) {
    const positions = entries.map(([k, re]) => ({ k, at: lines[i].search(re) }));
    if (positions.every((p) => p.at >= 0)) {
      header = i;
      order = positions.sort((a, b) => a.at - b.at).map((p) => p.k);
      break;
    }
  }
  if (header < 0) return null;
  const rows: Array<Record<K, string>> = [];
  for (const line of lines.slice(header + 1)) {
    if (opts.stop?.test(line)) break;
    if (opts.skip?.test(line) || /^[-=\s]*$/.test(line)) continue;
    const fields = line.trim().split(/\s+/);
    if (fields.length < order.length) continue;
    const row = {} as Record<K, string>;
    order.forEach((k, i) => {
      row[k] = i === order.length - 1 ? fields.slice(i).join(' ') : fields[i];
    });
    rows.push(row);
  }
  return rows;
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * Interfaces with an address from a brief table's (name, address) pairs. An address with a
 * length is taken as it is; a bare one (Comware, IOS) takes its length from the configuration's
 * `ip address` of the same interface, and is left out when the configuration has none (an
 * address learned by DHCP or unnumbered: the registry's addresses are configured ones).
 */
export function interfacesFromBrief(pairs: Array<{ name: string; address: string }>, config: string, dialect: DialectName): CheckedInterface[] {
  const fromConfig = configAddresses(config, dialect);
  const out: CheckedInterface[] = [];
  for (const { name, address } of pairs) {
    const full = expandInterfaceName(name, dialect);
    const withLength = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(address);
    if (withLength) {
      out.push({ name: full, address: `${withLength[1]}/${withLength[2]}` });
      continue;
    }
    if (!IPV4.test(address)) continue; // unassigned, --, 'unset'
    const configured = fromConfig.get(interfaceKey(full));
    if (configured && configured.address.startsWith(`${address}/`)) out.push({ name: full, address: configured.address });
  }
  return out;
}
