import { describe, expect, it } from 'vitest';
import { Screen } from './screen.js';

function show(...chunks: string[]): Screen {
  const s = new Screen();
  for (const c of chunks) s.feed(c);
  return s;
}

describe('Screen', () => {
  it('joins CR LF lines and keeps the unfinished line apart', () => {
    const s = show('display esn\r\n', 'ESN of slot 0: 2102351931P0C3000154\r\n\r\n<GX-NN-BR-01>');
    expect(s.lines).toEqual(['display esn', 'ESN of slot 0: 2102351931P0C3000154', '']);
    expect(s.partial).toBe('<GX-NN-BR-01>');
  });

  it('erases a Huawei pager the way the terminal does (cursor left, blanks, cursor left)', () => {
    const s = show('#\r\n  ---- More ----', '\x1b[16D                \x1b[16D', 'interface GigabitEthernet0/0/0\r\n');
    expect(s.lines).toEqual(['#', 'interface GigabitEthernet0/0/0']);
  });

  it('erases a Cisco pager written over with backspaces', () => {
    const s = show('!\r\n --More-- ', '\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b', 'interface Loopback0\r\n');
    expect(s.lines).toEqual(['!', 'interface Loopback0']);
  });

  it('keeps an escape sequence cut between two chunks', () => {
    const s = show('  ---- More ----\x1b[', '16D                \x1b', '[16Dreturn\r\n');
    expect(s.lines).toEqual(['return']);
  });

  it('drops colours and erase-line controls', () => {
    const s = show('\x1b[1;32mup\x1b[0m   xyz\x1b[3D\x1b[K\r\n');
    expect(s.lines).toEqual(['up']);
  });
});
