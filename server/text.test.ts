import { describe, expect, it } from 'vitest';
import { findTextFault, textFault } from './text.js';

describe('the text rule', () => {
  it('refuses every C0 control character and DEL on a single line, and all but TAB, LF and CR in prose', () => {
    for (let code = 0; code < 0x20; code++) {
      const char = String.fromCharCode(code);
      expect(textFault(`a${char}b`), `U+${code.toString(16)}`).toMatch(/control character/);
      if ([0x09, 0x0a, 0x0d].includes(code)) expect(textFault(`a${char}b`, true)).toBeUndefined();
      else expect(textFault(`a${char}b`, true), `U+${code.toString(16)}`).toMatch(/control character/);
    }
    expect(textFault('a\u007fb', true)).toMatch(/U\+007F \(DEL\)/);
    expect(textFault('abc\u0000')).toBe('contains the control character U+0000 (NUL) at position 4; this field takes a single line of text');
  });

  it('refuses lone surrogates and keeps paired ones', () => {
    expect(textFault('a\ud800b')).toMatch(/lone surrogate \(U\+D800\)/);
    expect(textFault('a\udc00')).toMatch(/lone surrogate \(U\+DC00\)/);
    expect(textFault('\udbff')).toMatch(/lone surrogate/);
    expect(textFault('\udc00\ud800')).toMatch(/lone surrogate \(U\+DC00\)/);
    expect(textFault('广西 🌏 \ud83c\udf0f')).toBeUndefined();
    expect(textFault('\u0080\u009f\u00a0\ufffd')).toBeUndefined();
  });

  it('names the field at any depth, arrays and keys included, with line breaks only in prose fields', () => {
    expect(findTextFault({ a: [{ b: 'ok' }, { b: 'x\u0000' }] })).toMatchObject({ field: 'a.1.b' });
    expect(findTextFault({ description: 'line\nline', ssh: { privateKey: '-----BEGIN\nKEY' } })).toBeUndefined();
    expect(findTextFault({ name: 'line\nline' })).toMatchObject({ field: 'name' });
    expect(findTextFault({ nested: { 'bad\u0001key': 'v' } })).toMatchObject({ field: 'nested.bad\u0001key' });
    expect(findTextFault(['\ud800'])).toMatchObject({ field: '0' });
    expect(findTextFault({ n: 1, b: true, z: null, d: new Date(0) })).toBeUndefined();
  });
});
