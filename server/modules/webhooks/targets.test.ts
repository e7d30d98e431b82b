import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { checkTarget, refusalOf, type Lookup } from './targets.js';
import { deliveryErrorOf } from './worker.js';

const never: Lookup = async () => {
  throw new Error('a literal address needs no lookup');
};

describe('webhook targets', () => {
  it('refuses the appliance itself and its neighbours by default, allows the extranet', () => {
    expect(refusalOf('127.0.0.1', [])).toBe('loopback');
    expect(refusalOf('127.255.0.9', [])).toBe('loopback');
    expect(refusalOf('::1', [])).toBe('loopback');
    expect(refusalOf('::ffff:7f00:1', [])).toBe('loopback');
    expect(refusalOf('0.0.0.0', [])).toBe('unspecified');
    expect(refusalOf('::', [])).toBe('unspecified');
    expect(refusalOf('169.254.169.254', [])).toBe('link_local');
    expect(refusalOf('fe80::1%eth0', [])).toBe('link_local');
    expect(refusalOf('239.1.2.3', [])).toBe('multicast');
    expect(refusalOf('ff05::2', [])).toBe('multicast');
    expect(refusalOf('255.255.255.255', [])).toBe('broadcast');
    for (const address of ['10.45.0.1', '172.16.0.1', '192.168.1.1', '203.0.113.7', '2001:db8::1', 'fd12::1']) expect(refusalOf(address, []), address).toBeNull();
  });

  it('lets the allow-list through exactly what it names', () => {
    expect(refusalOf('127.0.0.1', ['127.0.0.1/32'])).toBeNull();
    expect(refusalOf('::ffff:7f00:1', ['127.0.0.1/32'])).toBeNull();
    expect(refusalOf('127.0.0.2', ['127.0.0.1/32'])).toBe('loopback');
    expect(refusalOf('::1', ['127.0.0.1/32'])).toBe('loopback');
    expect(refusalOf('169.254.10.1', ['169.254.10.0/24'])).toBeNull();
  });

  it('checks every address a name resolves to, and hands back the one to connect to', async () => {
    const url = new URL('https://noc.example.invalid/hook');
    const answer = (...addresses: string[]): Lookup => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    expect(await checkTarget(url, [], answer('10.45.0.9', '10.45.0.10'), 1000)).toEqual({ ok: true, address: { address: '10.45.0.9', family: 4 } });
    expect(await checkTarget(url, [], answer('10.45.0.9', '127.0.0.1'), 1000)).toMatchObject({ ok: false, category: 'blocked', detail: expect.stringContaining('resolves to 127.0.0.1') });
    expect(await checkTarget(url, [], answer(), 1000)).toMatchObject({ ok: false, category: 'dns' });
    const hanging: Lookup = () => new Promise(() => {});
    expect(await checkTarget(url, [], hanging, 20)).toMatchObject({ ok: false, category: 'dns' });
    expect(await checkTarget(new URL('http://[::ffff:127.0.0.1]/'), [], never, 1000)).toMatchObject({ ok: false, category: 'blocked' });
    expect(await checkTarget(new URL('http://2130706433/'), [], never, 1000)).toMatchObject({ ok: false, category: 'blocked' });
    expect(await checkTarget(new URL('http://10.1.2.3:8080/'), [], never, 1000)).toEqual({ ok: true, address: { address: '10.1.2.3', family: 4 } });
  });

  it('reads WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS as a list of prefixes or addresses, and refuses anything else at start', () => {
    expect(loadConfig({}).webhookAllowPrivateTargets).toEqual([]);
    expect(loadConfig({ WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32, ::1  169.254.0.0/16' }).webhookAllowPrivateTargets).toEqual(['127.0.0.1/32', '::1/128', '169.254.0.0/16']);
    expect(() => loadConfig({ WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1/8' })).toThrow(/WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS.*127\.0\.0\.0\/8/);
    expect(() => loadConfig({ WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'localhost' })).toThrow(/WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS/);
  });
});

describe('delivery error categories', () => {
  const err = (code: string, name = 'Error') => Object.assign(new Error(code), { code, name });
  it('names what went wrong without the socket’s own words', () => {
    expect(deliveryErrorOf(err('ECONNREFUSED'))).toBe('refused');
    expect(deliveryErrorOf(err('ETIMEDOUT'))).toBe('timeout');
    expect(deliveryErrorOf(Object.assign(new Error('no answer'), { name: 'TimeoutError' }))).toBe('timeout');
    for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO']) expect(deliveryErrorOf(err(code)), code).toBe('tls');
    expect(deliveryErrorOf(err('ENOTFOUND'))).toBe('dns');
    expect(deliveryErrorOf(err('EHOSTUNREACH'))).toBe('unreachable');
    expect(deliveryErrorOf(err('ECONNRESET'))).toBe('connection');
    expect(deliveryErrorOf(new Error('socket hang up'))).toBe('connection');
  });
});
