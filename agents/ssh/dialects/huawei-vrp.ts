/**
 * Huawei VRP (5 and 8: AR routers, S and CloudEngine switches, USG firewalls). Output shapes as
 * the devices print them (see test/fixtures/huawei-vrp/, and the huawei_vrp raw files of
 * ntc-templates for more of their variety).
 */
import { expandInterfaceName } from '../../../server/net/ifname.js';
import { headerTable, interfacesFromBrief, MASK, normaliseConfig, type ConfigRules } from './common.js';
import { UnparsableOutput, type Dialect } from './types.js';

const rules: ConfigRules = {
  volatile: [/^!Last configuration was (updated|saved) at /, /^!Time:/],
  secrets: [
    // VRP ciphertext is bracketed by %^%# or %@%@ and may hold any printable character, blanks too.
    [/\b(cipher|irreversible-cipher)\s+(%\^%#.*?%\^%#|%@%@.*?%@%@|\S+)/g, `$1 ${MASK}`],
    [/\b(simple|plain)\s+\S+/g, `$1 ${MASK}`],
    // `snmp-agent community read public` (VRP5 before V200R003 kept plain communities)
    [/^(\s*snmp-agent community (?:read|write) )(?!cipher\b)\S+/, `$1${MASK}`],
  ],
};

export const huaweiVrp: Dialect = {
  name: 'huawei-vrp',
  // <name> user view, [name] system view, VRP8 [~name] / [*name] (uncommitted), HRP_M/HRP_S on USG pairs.
  prompt: /^(?:HRP_[MS])?(?:<[^<>\s]+>|\[[~*]?[^[\]\s]+\])$/,
  pager: /^\s*-{2,4}\s*More\s*-{2,4}\s*$/,
  pagerAnswer: ' ',
  pagingOff: 'screen-length 0 temporary',
  commands: {
    config: 'display current-configuration',
    interfaces: 'display ip interface brief',
    neighbors: 'display lldp neighbor brief',
    identity: 'display esn',
  },
  errors: [/^Error: /m],
  lldpDisabled: [/LLDP is not enabled/i, /LLDP is disabled/i],
  exec: false,
  legacyAlgorithms: false,
  parseConfig(output) {
    const text = normaliseConfig(output, rules);
    const sysName = /^\s*sysname\s+(.+?)\s*$/m.exec(text)?.[1] ?? null;
    return { text, sysName };
  },
  parseInterfaces(brief, config) {
    const table = headerTable(brief, { name: /^Interface\b/, address: /IP Address/, physical: /Physical/ });
    if (!table) throw new UnparsableOutput(this.commands.interfaces, 'no "Interface  IP Address/Mask  Physical" header');
    return interfacesFromBrief(table, config, 'huawei-vrp');
  },
  parseNeighbors(output) {
    // VRP5 prints `Exptime(s)`, older releases `Exptime`, VRP8 `Exptime (sec)`; some S models put the device last.
    const table = headerTable(output, {
      localIf: /Local Intf|Local Interface/,
      remoteSysName: /Neighbor Dev/,
      remoteIf: /Neighbor Intf|Neighbor Interface/,
      exptime: /Exptime/,
    });
    if (!table) {
      if (output.trim() === '') return [];
      throw new UnparsableOutput(this.commands.neighbors!, 'no "Local Intf  Neighbor Dev  Neighbor Intf  Exptime" header');
    }
    return table.map((r) => ({ localIf: expandInterfaceName(r.localIf, 'huawei-vrp'), remoteSysName: r.remoteSysName, remoteIf: r.remoteIf }));
  },
  parseSerial(output) {
    // `ESN of slot 0: …`, `ESN of master: …`, `ESN of device: …`: the first is the chassis (or the master of a stack).
    return /^ESN of [^:]+:\s*(\S+)/m.exec(output)?.[1] ?? null;
  },
};
