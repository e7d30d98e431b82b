/**
 * Cisco IOS and IOS XE. Shapes as in test/fixtures/cisco-ios/ (ntc-templates' cisco_ios raw files).
 * `show lldp neighbors` truncates the Device ID to 20 characters and abbreviates local ports.
 */
import { expandInterfaceName } from '../../../server/net/ifname.js';
import { headerTable, interfacesFromBrief, MASK, normaliseConfig, type ConfigRules } from './common.js';
import { UnparsableOutput, type Dialect } from './types.js';

const rules: ConfigRules = {
  volatile: [
    /^Building configuration\.\.\./,
    /^Current configuration : \d+ bytes/,
    /^! Last configuration change at /,
    /^! NVRAM config last updated at /,
    /^! No configuration change since last restart/,
    // the NTP clock's measured drift, rewritten by the router itself
    /^ntp clock-period /,
  ],
  secrets: [
    // `enable secret 5 $1$…`, `username u secret 9 $9$…`, `password 7 0822…`, `key 7 …`, `key-string …`
    [/\b(secret|password|key|key-string)\s+(\d\s+)?\S+/g, `$1 $2${MASK}`],
    [/^(snmp-server community )\S+/, `$1${MASK}`],
    [/^(crypto isakmp key )\S+/, `$1${MASK}`],
  ],
};

export const ciscoIos: Dialect = {
  name: 'cisco-ios',
  prompt: /^[\w.\-@/:]+(?:\([\w.\-]+\))?[>#]\s?$/,
  pager: /^\s*--More--\s*$/,
  pagerAnswer: ' ',
  pagingOff: 'terminal length 0',
  commands: {
    config: 'show running-config',
    interfaces: 'show ip interface brief',
    neighbors: 'show lldp neighbors',
    identity: 'show inventory',
  },
  errors: [/^% (Invalid input|Unknown command|Incomplete command|Ambiguous command)/m],
  lldpDisabled: [/LLDP is not enabled/i],
  exec: false,
  legacyAlgorithms: false,
  parseConfig(output) {
    const text = normaliseConfig(output, rules);
    const sysName = /^hostname\s+(\S+)\s*$/m.exec(text)?.[1] ?? null;
    return { text, sysName };
  },
  parseInterfaces(brief, config) {
    const table = headerTable(brief, { name: /^Interface\b/, address: /IP-Address/, ok: /OK\?/ });
    if (!table) throw new UnparsableOutput(this.commands.interfaces, 'no "Interface  IP-Address  OK? Method Status Protocol" header');
    return interfacesFromBrief(table, config, 'cisco-ios');
  },
  parseNeighbors(output) {
    // Capability may be blank: the port id is the last field, hold time the third.
    const lines = output.split('\n');
    const header = lines.findIndex((l) => /^Device ID\s+Local Intf\s+Hold-time/.test(l));
    if (header < 0) {
      if (output.trim() === '') return [];
      throw new UnparsableOutput(this.commands.neighbors!, 'no "Device ID  Local Intf  Hold-time" header');
    }
    const neighbors = [];
    for (const line of lines.slice(header + 1)) {
      if (/^Total entries displayed/.test(line)) break;
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || !/^\d+$/.test(f[2])) continue;
      neighbors.push({ localIf: expandInterfaceName(f[1], 'cisco-ios'), remoteSysName: f[0], remoteIf: f[f.length - 1] });
    }
    return neighbors;
  },
  parseSerial(output) {
    // The chassis is the first entry of `show inventory`.
    const serial = /^PID:.*?,\s*VID:.*?,\s*SN:\s*(\S+)/m.exec(output)?.[1];
    return serial ?? null;
  },
};
