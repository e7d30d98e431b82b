/** The transport against a real OpenSSH server running the device simulator. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunSshd, ensureUser, fixtureState, startSshd, type Sshd } from '../../test/support/sshd.js';
import { dialects } from './dialects/index.js';
import { openSession, SshFailure, type SessionOptions, type SshEndpoint } from './transport.js';

const skip = canRunSshd();
if (skip) console.log(`transport.test.ts skipped: ${skip}`);

const vrp = dialects['huawei-vrp'];
const shell: SessionOptions = { prompt: vrp.prompt, pager: vrp.pager, pagerAnswer: ' ', mode: 'shell', connectTimeoutMs: 5000, commandTimeoutMs: 5000 };

describe.skipIf(skip)('SSH transport against sshd and the device simulator', () => {
  let sshd: Sshd;
  let legacy: Sshd;
  const user = 'wwssht1';
  const endpoint = (over: Partial<SshEndpoint> = {}): SshEndpoint => ({
    host: '127.0.0.1', port: sshd.port, username: user, password: 'Vrp@2026', hostKeySha256: sshd.hostKeySha256, legacyAlgorithms: false, ...over,
  });

  beforeAll(async () => {
    ensureUser(user, 'Vrp@2026');
    ensureUser('wwssht2', 'Vrp@2026');
    [sshd, legacy] = await Promise.all([startSshd(), startSshd({ legacyOnly: true })]);
    for (const s of [sshd, legacy]) s.setState(user, fixtureState('huawei-vrp', { pageLines: 7 }));
  });
  afterAll(async () => {
    await Promise.all([sshd?.stop(), legacy?.stop()]);
  });

  it('reads through the pager, then turns it off; output has no echo, prompt, pager or escape codes', async () => {
    const session = await openSession(endpoint(), shell);
    try {
      expect(session.presentedHostKey).toBe(sshd.hostKeySha256);
      const paged = await session.run('display ip interface brief');
      expect(paged).not.toMatch(/More|\x1b|\r/);
      expect(vrp.parseInterfaces(paged, '')).toContainEqual({ name: 'GigabitEthernet0/0/0', address: '10.1.2.1/30' });
      await session.run(vrp.pagingOff);
      const config = await session.run('dis cur');
      expect(config.split('\n')[0]).toBe('!Software Version V200R010C10SPC500');
      expect(config.trimEnd().endsWith('return')).toBe(true);
      expect(await session.run('display nonsense')).toMatch(/^Error: Unrecognized command/m);
    } finally {
      session.close();
    }
  });

  it('refuses a host key other than the pinned one before any credential is sent', async () => {
    const before = sshd.log().length;
    const err = await openSession(endpoint({ hostKeySha256: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), shell).catch((e) => e);
    expect(err).toBeInstanceOf(SshFailure);
    expect(err.kind).toBe('host_key_changed');
    expect(err.presentedHostKey).toBe(sshd.hostKeySha256);
    await new Promise((r) => setTimeout(r, 200));
    const log = sshd.log().slice(before);
    expect(log).not.toMatch(/Accepted|Failed password|Invalid user|authentication/i);
  });

  it('tells a refused login from an unreachable device', async () => {
    const auth = await openSession(endpoint({ password: 'wrong' }), shell).catch((e) => e);
    expect(auth.kind).toBe('auth_failed');
    const down = await openSession(endpoint({ port: 1 }), shell).catch((e) => e);
    expect(down.kind).toBe('unreachable');
  });

  it('speaks to a legacy-only device only when allowed for it', async () => {
    const refused = await openSession(endpoint({ port: legacy.port, hostKeySha256: legacy.hostKeySha256 }), shell).catch((e) => e);
    expect(refused.kind).toBe('unreachable');
    expect(refused.message).toMatch(/no matching/i);
    const session = await openSession(endpoint({ port: legacy.port, hostKeySha256: legacy.hostKeySha256, legacyAlgorithms: true }), shell);
    expect(vrp.parseSerial(await session.run(vrp.commands.identity))).toBe('2102351931P0C3000154');
    session.close();
  });

  it('exec, for a dialect that uses it, runs each command on its own channel', async () => {
    sshd.setState('wwssht2', fixtureState('huawei-vrp', { exec: true }));
    const session = await openSession(endpoint({ username: 'wwssht2' }), { ...shell, mode: 'exec' });
    try {
      expect(vrp.parseSerial(await session.run('display esn'))).toBe('2102351931P0C3000154');
      expect(vrp.parseConfig(await session.run('display current-configuration')).sysName).toBe('GX-NN-BR-01');
    } finally {
      session.close();
    }
  });

  it('exec is refused by a device that accepts shells only', async () => {
    const session = await openSession(endpoint(), { ...shell, mode: 'exec' });
    const out = await session.run('display esn');
    session.close();
    expect(vrp.parseSerial(out)).toBeNull();
  });
});
