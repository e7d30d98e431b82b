import { describe, expect, it } from 'vitest';
import { judgeConfig, judgeHostKey, judgeInterfaces, judgeNeighbors, sameSysName } from './ssh-judgements.js';

const at = new Date('2026-12-01T10:00:00Z');

describe('judgeInterfaces', () => {
  const registered = [
    { name: 'GigabitEthernet0/0/0', address: '10.1.2.1/30' },
    { name: 'GigabitEthernet0/0/1', address: null },
  ];
  it('absent list: not checked, no verdict', () => {
    expect(judgeInterfaces(registered, undefined)).toEqual([]);
  });
  it('same address under another spelling of the name cures', () => {
    expect(judgeInterfaces(registered, [{ name: 'GE0/0/0', address: '10.1.2.1/30' }])).toEqual([
      { kind: 'readdressed', subject: 'GigabitEthernet0/0/0', cured: expect.stringContaining('10.1.2.1/30') },
    ]);
  });
  it('another address inside the same /30 is a re-addressing', () => {
    const [v] = judgeInterfaces(registered, [{ name: 'GigabitEthernet0/0/0', address: '10.1.2.2/30' }]);
    expect(v).toMatchObject({ kind: 'readdressed', subject: 'GigabitEthernet0/0/0', problem: expect.stringContaining('10.1.2.2/30') });
  });
  it('another length or a missing address too', () => {
    expect(judgeInterfaces(registered, [{ name: 'GigabitEthernet0/0/0', address: '10.1.2.1/29' }])[0]).toHaveProperty('problem');
    expect(judgeInterfaces(registered, [])[0]).toHaveProperty('problem', expect.stringContaining('no address'));
  });
});

describe('judgeNeighbors', () => {
  const links = [{ link: 'NN-01', localIf: 'GigabitEthernet0/0/0', peerHostname: 'PE-NN-01', peerIf: 'GigabitEthernet1/0/0' }];
  it('LLDP not checked: never moved', () => {
    expect(judgeNeighbors(links, undefined)).toEqual([]);
  });
  it('the registered peer in another vendor’s spelling cures', () => {
    expect(judgeNeighbors(links, [{ localIf: 'GigabitEthernet0/0/0', remoteSysName: 'pe-nn-01.gxzf.example', remoteIf: 'GE1/0/0' }])[0]).toHaveProperty('cured');
  });
  it('another peer, another port or no neighbour is moved', () => {
    expect(judgeNeighbors(links, [{ localIf: 'GE0/0/0', remoteSysName: 'PE-NN-02', remoteIf: 'GE1/0/0' }])[0]).toHaveProperty('problem', expect.stringContaining('PE-NN-02'));
    expect(judgeNeighbors(links, [{ localIf: 'GE0/0/0', remoteSysName: 'PE-NN-01', remoteIf: 'GE1/0/1' }])[0]).toHaveProperty('problem');
    expect(judgeNeighbors(links, [{ localIf: 'GE0/0/1', remoteSysName: 'PE-NN-01', remoteIf: 'GE1/0/0' }])[0]).toHaveProperty('problem', expect.stringContaining('no LLDP neighbour'));
  });
  it('IOS cuts device ids to 20 characters', () => {
    expect(sameSysName('GX-NANNING-PE-CORE-0001', 'GX-NANNING-PE-CORE-0')).toBe(true);
    expect(sameSysName('GX-NANNING-PE-CORE-0001', 'GX-NANNING-PE-CORE')).toBe(false);
  });
});

describe('judgeConfig', () => {
  const baseline = { sha256: 'a'.repeat(64), text: '#\n sysname R1\n#\ninterface GigabitEthernet0/0/0\n ip address 10.1.2.1 255.255.255.252\n#\nreturn\n', approvedAt: at, approvedBy: 'op450100' };
  it('no baseline, or nothing read: no verdict', () => {
    expect(judgeConfig(null, { configSha256: 'b'.repeat(64), config: 'x' }, at)).toEqual([]);
    expect(judgeConfig(baseline, {}, at)).toEqual([]);
  });
  it('same hash cures', () => {
    expect(judgeConfig(baseline, { configSha256: baseline.sha256 }, at)[0]).toHaveProperty('cured');
  });
  it('another hash opens config_drift with a unified diff of the change', () => {
    const changed = baseline.text.replace('10.1.2.1', '10.1.2.2');
    const [v] = judgeConfig(baseline, { configSha256: 'c'.repeat(64), config: changed }, at);
    expect(v.kind).toBe('config_drift');
    const diff = (v as { diff: string }).diff;
    expect(diff).toContain('--- baseline');
    expect(diff).toContain('+++ running');
    expect(diff).toContain('- ip address 10.1.2.1 255.255.255.252');
    expect(diff).toContain('+ ip address 10.1.2.2 255.255.255.252');
    expect(diff).not.toContain('- sysname');
  });
});

describe('judgeHostKey', () => {
  const pinned = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';
  it('a refused key opens host_key_changed naming both keys', () => {
    const [v] = judgeHostKey(pinned, { status: 'host_key_changed', hostKeySha256: 'SHA256:other' });
    expect(v).toHaveProperty('problem', expect.stringMatching(/SHA256:other.*47DEQ/));
  });
  it('the pinned key again cures; other failures judge nothing', () => {
    expect(judgeHostKey(pinned, { status: 'ok', hostKeySha256: pinned })[0]).toHaveProperty('cured');
    expect(judgeHostKey(pinned, { status: 'unreachable' })).toEqual([]);
  });
});
