import { describe, expect, it } from 'vitest';
import { expandInterfaceName, interfaceKey, sameInterface } from './ifname.js';

describe('interface names', () => {
  it.each([
    ['GE0/0/1', 'GigabitEthernet0/0/1'],
    ['Gi0/0/1', 'GigabitEthernet0/0/1'],
    ['gigabitethernet 0/0/1', 'GigabitEthernet0/0/1'],
    ['XGE0/0/2', 'XGigabitEthernet0/0/2'],
    ['10GE1/0/1', 'Ten-GigabitEthernet1/0/1'],
    ['Te1/0/1', 'XGigabitEthernet1/0/1'],
    ['Eth-Trunk1', 'eth-trunk1'],
    ['GE0/0/1.100', 'GigabitEthernet0/0/1.100'],
    ['Loop0', 'LoopBack0'],
    ['Lo0', 'Loopback0'],
    ['Vlan10', 'Vlanif10'],
    ['Vlan-interface10', 'Vlanif10'],
  ])('%s and %s are the same port', (a, b) => {
    expect(sameInterface(a, b)).toBe(true);
  });

  it.each([
    ['GE0/0/1', 'GE0/0/10'],
    ['GE0/0/1', 'XGE0/0/1'],
    ['Eth-Trunk1', 'Port-channel1'],
    ['GigabitEthernet0/0/1', 'GigabitEthernet0/0/1.100'],
    ['GE1/0/1', 'GE0/1/0'],
  ])('%s and %s are different ports', (a, b) => {
    expect(sameInterface(a, b)).toBe(false);
  });

  it('compares unknown names (a MAC as LLDP port id) as written, case and spaces aside', () => {
    expect(interfaceKey('3C8C-4032-1A00')).toBe('3c8c-4032-1a00');
    expect(sameInterface('3c8c-4032-1a00', '3C8C-4032-1A00')).toBe(true);
  });

  it('expands abbreviations in each dialect’s own full spelling', () => {
    expect(expandInterfaceName('GE0/0/1', 'huawei-vrp')).toBe('GigabitEthernet0/0/1');
    expect(expandInterfaceName('XGE0/0/1', 'huawei-vrp')).toBe('XGigabitEthernet0/0/1');
    expect(expandInterfaceName('10GE1/0/1', 'huawei-vrp')).toBe('10GE1/0/1');
    expect(expandInterfaceName('XGE1/0/49', 'h3c-comware')).toBe('Ten-GigabitEthernet1/0/49');
    expect(expandInterfaceName('Loop0', 'h3c-comware')).toBe('LoopBack0');
    expect(expandInterfaceName('Vlan1', 'h3c-comware')).toBe('Vlan-interface1');
    expect(expandInterfaceName('Gi0/0/0', 'cisco-ios')).toBe('GigabitEthernet0/0/0');
    expect(expandInterfaceName('Te1/1/1', 'cisco-ios')).toBe('TenGigabitEthernet1/1/1');
    expect(expandInterfaceName('Po2', 'cisco-ios')).toBe('Port-channel2');
    expect(expandInterfaceName('Eth-Trunk1', 'huawei-vrp')).toBe('Eth-Trunk1');
  });
});
