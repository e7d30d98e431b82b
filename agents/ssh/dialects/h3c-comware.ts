/**
 * H3C Comware 5 and 7 (MSR routers, S switches). Brief tables abbreviate names (`GE1/0/1`,
 * `XGE1/0/49`, `Loop0`, `Vlan100`) and, before 7.1.070, show no mask: lengths come from the
 * configuration. Shapes as in test/fixtures/h3c-comware/ (ntc-templates' hp_comware raw files).
 */
import { expandInterfaceName } from '../../../server/net/ifname.js';
import { headerTable, interfacesFromBrief, MASK, normaliseConfig, type ConfigRules } from './common.js';
import { UnparsableOutput, type Dialect } from './types.js';

const rules: ConfigRules = {
  volatile: [],
  secrets: [
    // `password hash $h$6$…`, `password cipher $c$3$…`, `key cipher …`, `snmp-agent community read simple public`
    [/\b(cipher|simple|hash)\s+\S+/g, `$1 ${MASK}`],
    // Comware 5 `snmp-agent community read public`
    [/^(\s*snmp-agent community (?:read|write) )(?!(?:cipher|simple)\b)\S+/, `$1${MASK}`],
  ],
};

export const h3cComware: Dialect = {
  name: 'h3c-comware',
  prompt: /^(?:RBM_[PS])?(?:<[^<>\s]+>|\[[^[\]\s]+\])$/,
  pager: /^\s*-{2,4}\s*More\s*-{2,4}\s*$/,
  pagerAnswer: ' ',
  pagingOff: 'screen-length disable',
  commands: {
    config: 'display current-configuration',
    interfaces: 'display ip interface brief',
    neighbors: 'display lldp neighbor-information list',
    identity: 'display device manuinfo',
  },
  errors: [/^\s*% (Unrecognized command|Wrong parameter|Incomplete command|Too many parameters)/m],
  lldpDisabled: [/LLDP is not enabled/i, /LLDP is disabled/i],
  exec: false,
  legacyAlgorithms: false,
  parseConfig(output) {
    const text = normaliseConfig(output, rules);
    const sysName = /^\s*sysname\s+(.+?)\s*$/m.exec(text)?.[1] ?? null;
    return { text, sysName };
  },
  parseInterfaces(brief, config) {
    // `IP Address` (Comware 5 and 7 before 7.1.070) or `IP address/Mask`.
    const table = headerTable(brief, { name: /^Interface\b/, physical: /Physical/, protocol: /Protocol/, address: /IP [Aa]ddress/ });
    if (!table) throw new UnparsableOutput(this.commands.interfaces, 'no "Interface  Physical Protocol IP Address" header');
    // The address column is followed by a free-text description: its first word is the address.
    return interfacesFromBrief(
      table.map((r) => ({ name: r.name, address: r.address.split(/\s+/)[0] })),
      config,
      'h3c-comware',
    );
  },
  parseNeighbors(output) {
    const table = headerTable(output, { remoteSysName: /System Name/, localIf: /Local Interface/, chassisId: /Chassis ID\s/, remoteIf: /Port ID/ }, {});
    if (!table) {
      if (output.trim() === '') return [];
      throw new UnparsableOutput(this.commands.neighbors!, 'no "System Name  Local Interface  Chassis ID  Port ID" header');
    }
    return table.map((r) => ({ localIf: expandInterfaceName(r.localIf, 'h3c-comware'), remoteSysName: r.remoteSysName, remoteIf: r.remoteIf }));
  },
  parseSerial(output) {
    // The first DEVICE_SERIAL_NUMBER is the chassis (`Chassis self:`) or slot 1: power supplies and fans follow.
    const serial = /^DEVICE_SERIAL_NUMBER\s*:\s*(\S+)/m.exec(output)?.[1];
    return serial && serial !== 'NONE' ? serial : null;
  },
};
