import { describe, expect, it } from 'vitest';
import { canonicalValue, txtPresentation, ValueError } from './values.js';

const zone = 'gx.example';

describe('record values', () => {
  it('canonicalizes addresses and refuses the other family', () => {
    expect(canonicalValue('A', ' 10.0.0.1 ', zone)).toBe('10.0.0.1');
    expect(canonicalValue('AAAA', '2001:DB8:0:0::1', zone)).toBe('2001:db8::1');
    expect(() => canonicalValue('A', '2001:db8::1', zone)).toThrow(/use an AAAA record/);
    expect(() => canonicalValue('AAAA', '10.0.0.1', zone)).toThrow(/use an A record/);
    expect(() => canonicalValue('A', '010.0.0.1', zone)).toThrow(ValueError);
  });

  it('makes targets absolute', () => {
    expect(canonicalValue('CNAME', 'www', zone)).toBe('www.gx.example.');
    expect(canonicalValue('CNAME', '@', zone)).toBe('gx.example.');
    expect(canonicalValue('NS', 'ns.other.example.', zone)).toBe('ns.other.example.');
    expect(canonicalValue('PTR', 'host.gx.example', zone)).toBe('host.gx.example.');
    expect(canonicalValue('MX', '10   mail', zone)).toBe('10 mail.gx.example.');
    expect(canonicalValue('MX', '0 .', zone)).toBe('0 .');
    expect(canonicalValue('SRV', '0 5 5060 sip', zone)).toBe('0 5 5060 sip.gx.example.');
    expect(canonicalValue('SRV', '0 0 0 .', zone)).toBe('0 0 0 .');
    expect(() => canonicalValue('MX', 'mail', zone)).toThrow(/preference exchange/);
    expect(() => canonicalValue('MX', '70000 mail', zone)).toThrow(/0 to 65535/);
    expect(() => canonicalValue('NS', 'ns_1', zone)).toThrow(/underscore/);
  });

  it('writes TXT as escaped character-strings of at most 255 octets', () => {
    expect(txtPresentation('')).toBe('""');
    expect(txtPresentation('say "hi" \\ now')).toBe('"say \\"hi\\" \\\\ now"');
    expect(txtPresentation('政')).toBe('"\\230\\148\\191"');
    const long = txtPresentation('x'.repeat(300));
    expect(long).toBe(`"${'x'.repeat(255)}" "${'x'.repeat(45)}"`);
    expect(() => canonicalValue('TXT', 'x'.repeat(4001), zone)).toThrow(/4000 octets/);
  });
});
