import { describe, expect, it } from 'vitest';
import { renderForwardZone } from './service/zone.js';
import { mailboxName } from './zonefile.js';

describe('forward zone files', () => {
  const zone = {
    name: 'gx.example',
    holderCode: '450000',
    ttl: 3600,
    serial: 2026112703,
    soa: { rname: 'hostmaster.gx.example', refresh: 3600, retry: 900, expire: 1209600, minimum: 300 },
    nameservers: [
      { name: 'ns1.gx.example', addresses: ['10.0.0.53'] },
      { name: 'ns.elsewhere.example', addresses: [] },
    ],
  };

  it('writes SOA, apex NS with in-zone addresses, records, then delegations with glue only where needed, each line once', () => {
    const text = renderForwardZone(
      zone,
      [
        { name: 'nanning.gx.example', holderCode: '450100', ttl: 600, nameservers: [{ name: 'ns1.nanning.gx.example', addresses: ['10.1.0.53', '2001:db8::53'] }, { name: 'ns1.gx.example', addresses: ['10.0.0.53'] }] },
        { name: 'liuzhou.gx.example', holderCode: '450200', ttl: 3600, nameservers: [{ name: 'ns.elsewhere.example', addresses: [] }] },
      ],
      [
        { name: 'gx.example', ttl: 300, type: 'TXT', value: 'v=spf1 -all' },
        { name: 'ns1.gx.example', ttl: 3600, type: 'A', value: '10.0.0.53' },
        { name: 'www.gx.example', ttl: 300, type: 'A', value: '10.0.0.80' },
      ],
    );
    const lines = text.split('\n');
    expect(lines[1]).toBe('$TTL 3600');
    expect(lines[2]).toBe('gx.example. 3600 IN SOA ns1.gx.example. hostmaster.gx.example. 2026112703 3600 900 1209600 300');
    expect(lines).toContain('gx.example. 3600 IN NS ns.elsewhere.example.');
    expect(lines.filter((l) => l === 'ns1.gx.example. 3600 IN A 10.0.0.53')).toHaveLength(1);
    expect(lines).toContain('gx.example. 300 IN TXT "v=spf1 -all"');
    expect(lines).toContain('nanning.gx.example. 600 IN NS ns1.nanning.gx.example.');
    expect(lines).toContain('ns1.nanning.gx.example. 600 IN AAAA 2001:db8::53');
    expect(lines).toContain('liuzhou.gx.example. 3600 IN NS ns.elsewhere.example.');
    expect(lines.some((l) => l.startsWith('ns.elsewhere.example.'))).toBe(false);
    expect(lines.indexOf('www.gx.example. 300 IN A 10.0.0.80')).toBeLessThan(lines.indexOf('nanning.gx.example. 600 IN NS ns1.nanning.gx.example.'));
  });

  it('writes a mailbox as a name, escaping dots in its local part', () => {
    expect(mailboxName('hostmaster@gx.example')).toBe('hostmaster.gx.example');
    expect(mailboxName('dns.admin@gx.example')).toBe('dns\\.admin.gx.example');
    expect(mailboxName('hostmaster.gx.example.')).toBe('hostmaster.gx.example');
  });
});
