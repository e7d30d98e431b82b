import type { AgentTarget } from '../lib/client.js';
import { SnmpError, type SnmpTransport, type TransportOptions } from './transport.js';
import { V2cTransport } from './v2c.js';
import { V3Transport } from './v3.js';

/** The transport a device's credentials ask for: SNMPv2c over snmp-native, SNMPv3 over net-snmp. */
export function openTransport(target: AgentTarget, options: Omit<TransportOptions, 'host' | 'port'>): SnmpTransport {
  const snmp = target.snmp;
  if (!snmp) throw new SnmpError('protocol', `device ${target.hostname} has no SNMP credentials in the registry`);
  if (!target.mgmtAddress) throw new SnmpError('protocol', `device ${target.hostname} has no management address in the registry`);
  const at = { ...options, host: target.mgmtAddress, port: snmp.port ?? 161 };
  if (snmp.version === '3') return new V3Transport(at, snmp);
  return new V2cTransport({ ...at, community: snmp.community ?? '' });
}
