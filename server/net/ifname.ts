/**
 * Interface names as devices spell them, reduced to one comparable form. Every comparison
 * of an interface name reported by a device (its own interfaces, or an LLDP neighbour's port)
 * with the registry goes through {@link sameInterface} / {@link interfaceKey}, and the SSH
 * dialects expand their abbreviations with {@link expandInterfaceName}.
 *
 * Why: the same port is `GigabitEthernet0/0/1` in the configuration, `GE0/0/1` in Huawei's
 * `display lldp neighbor brief`, `Gi0/0/1` in Cisco's `show lldp neighbors`, and a neighbour
 * of another vendor reports it in its own spelling. Ten-gigabit ports are `XGigabitEthernet`
 * (Huawei VRP5), `10GE` (Huawei VRP8/CloudEngine), `Ten-GigabitEthernet` (H3C Comware, shown
 * as `XGE`) and `TenGigabitEthernet` (Cisco, shown as `Te`): one port speed class, so one key.
 * Aggregates (`Eth-Trunk`, `Bridge-Aggregation`, `Port-channel`) stay distinct from each
 * other: they are numbered per vendor and never seen across vendors by LLDP (it runs on members).
 */

interface Family {
  /** the comparison key's type word */
  key: string;
  /** every spelling (lowercase, without the number) a device uses for this type */
  spellings: readonly string[];
  /** full spelling per dialect, for expansion; `default` otherwise */
  full: { default: string; 'huawei-vrp'?: string; 'h3c-comware'?: string; 'cisco-ios'?: string };
}

// Spellings from the vendors' own abbreviation tables (Huawei "Interface Naming Conventions",
// H3C Comware 7 "Interface types and abbreviations", Cisco IOS interface-type abbreviations).
const FAMILIES: readonly Family[] = [
  { key: 'Ethernet', spellings: ['ethernet', 'eth', 'et'], full: { default: 'Ethernet' } },
  { key: 'FastEthernet', spellings: ['fastethernet', 'fe', 'fa', 'f'], full: { default: 'FastEthernet' } },
  {
    key: 'GigabitEthernet',
    spellings: ['gigabitethernet', 'ge', 'gi', 'gig', 'gige', 'g'],
    full: { default: 'GigabitEthernet' },
  },
  {
    key: 'TenGigabitEthernet',
    spellings: ['xgigabitethernet', 'xge', '10ge', 'ten-gigabitethernet', 'tengigabitethernet', 'te', 'ten', 'tengige'],
    full: { default: 'TenGigabitEthernet', 'huawei-vrp': 'XGigabitEthernet', 'h3c-comware': 'Ten-GigabitEthernet' },
  },
  { key: '25GE', spellings: ['25ge', 'twentyfivegige', 'twe', 'wge', 'twenty-fivegige'], full: { default: '25GE', 'h3c-comware': 'Twenty-FiveGigE', 'cisco-ios': 'TwentyFiveGigE' } },
  { key: '40GE', spellings: ['40ge', 'fortygigabitethernet', 'fortygige', 'fo', 'fge', 'fortygige'], full: { default: '40GE', 'h3c-comware': 'FortyGigE', 'cisco-ios': 'FortyGigabitEthernet' } },
  { key: '100GE', spellings: ['100ge', 'hundredgige', 'hundredgigabitethernet', 'hu', 'hge'], full: { default: '100GE', 'h3c-comware': 'HundredGigE', 'cisco-ios': 'HundredGigE' } },
  { key: 'Eth-Trunk', spellings: ['eth-trunk', 'ethtrunk'], full: { default: 'Eth-Trunk' } },
  { key: 'Bridge-Aggregation', spellings: ['bridge-aggregation', 'bagg'], full: { default: 'Bridge-Aggregation' } },
  { key: 'Route-Aggregation', spellings: ['route-aggregation', 'ragg'], full: { default: 'Route-Aggregation' } },
  { key: 'Port-channel', spellings: ['port-channel', 'po'], full: { default: 'Port-channel' } },
  { key: 'LoopBack', spellings: ['loopback', 'loop', 'lo'], full: { default: 'LoopBack', 'cisco-ios': 'Loopback' } },
  { key: 'Vlanif', spellings: ['vlanif', 'vlan-interface', 'vlan', 'vl'], full: { default: 'Vlanif', 'h3c-comware': 'Vlan-interface', 'cisco-ios': 'Vlan' } },
  { key: 'MEth', spellings: ['meth', 'm-gigabitethernet', 'mge'], full: { default: 'MEth', 'h3c-comware': 'M-GigabitEthernet' } },
  { key: 'NULL', spellings: ['null', 'nu'], full: { default: 'NULL', 'cisco-ios': 'Null' } },
  { key: 'Tunnel', spellings: ['tunnel', 'tun', 'tu'], full: { default: 'Tunnel' } },
  { key: 'Serial', spellings: ['serial', 'se', 's'], full: { default: 'Serial' } },
];

const BY_SPELLING = new Map<string, Family>();
for (const family of FAMILIES) for (const s of family.spellings) BY_SPELLING.set(s, family);

export type DialectName = 'huawei-vrp' | 'h3c-comware' | 'cisco-ios';

/** The type word and the rest (`GE0/0/1.100` → `ge`, `0/0/1.100`); null for names that are not type+number. */
function split(name: string): { type: string; rest: string } | null {
  // The number starts at the first digit that follows a letter, a dash or nothing; `10GE`, `25GE`
  // start with digits that are part of the type word, so they are tried first.
  const trimmed = name.trim();
  const lead = /^(10GE|25GE|40GE|100GE|400GE)\s*(\d.*)$/i.exec(trimmed);
  if (lead) return { type: lead[1].toLowerCase(), rest: lead[2] };
  const m = /^([A-Za-z][A-Za-z-]*?)\s*(\d[\d/:.]*)$/.exec(trimmed);
  if (!m) return null;
  return { type: m[1].toLowerCase(), rest: m[2] };
}

/**
 * The comparison key of an interface name: `GE0/0/1`, `Gi0/0/1`, `gigabitethernet 0/0/1` and
 * `GigabitEthernet0/0/1` all give `GigabitEthernet0/0/1`. A name of no known type is compared as
 * it is, lowercased and without spaces (a MAC address used as LLDP port id, say).
 */
export function interfaceKey(name: string): string {
  const parts = split(name);
  const family = parts ? BY_SPELLING.get(parts.type) : undefined;
  if (!parts || !family) return name.trim().replace(/\s+/g, '').toLowerCase();
  return `${family.key}${parts.rest}`;
}

/** Whether two spellings name the same port. */
export function sameInterface(a: string, b: string): boolean {
  return interfaceKey(a) === interfaceKey(b);
}

/**
 * The full name a dialect writes in its configuration for an abbreviation it shows in brief
 * tables (`GE0/0/1` → `GigabitEthernet0/0/1` on VRP; `XGE1/0/49` → `Ten-GigabitEthernet1/0/49`
 * on Comware; `Gi0/1` → `GigabitEthernet0/1` on IOS). Unknown types are returned as given.
 */
export function expandInterfaceName(name: string, dialect?: DialectName): string {
  const parts = split(name);
  const family = parts ? BY_SPELLING.get(parts.type) : undefined;
  if (!parts || !family) return name.trim();
  const full = (dialect && family.full[dialect]) || family.full.default;
  // VRP8 (CloudEngine) names its ten-gigabit ports `10GE` in full: keep that spelling.
  if (dialect === 'huawei-vrp' && family.key === 'TenGigabitEthernet' && parts.type === '10ge') return `10GE${parts.rest}`;
  return `${full}${parts.rest}`;
}
