/** Replays the recorded device output in test/fixtures/<dialect>/ through each dialect's parsers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialects } from './index.js';
import type { DialectName } from './types.js';

interface Expected {
  config: { raw: string; normalised: string; sysName: string };
  interfaces: { brief: string; config: string; parse: unknown[] };
  neighbors: Array<{ raw: string; parse: unknown[] }>;
  lldpDisabled: string[];
  serial: Array<{ raw: string; parse: string }>;
  secrets: string[];
}

const root = join(import.meta.dirname, '../../../test/fixtures');

for (const name of Object.keys(dialects) as DialectName[]) {
  const dialect = dialects[name];
  const dir = join(root, name);
  const file = (f: string) => readFileSync(join(dir, f), 'utf8');
  const expected = JSON.parse(file('expected.json')) as Expected;

  describe(`${name} replay`, () => {
    it(`${dialect.commands.config}: volatile lines dropped, secrets masked, sysname read`, () => {
      const parsed = dialect.parseConfig(file(expected.config.raw));
      expect(parsed.text).toBe(file(expected.config.normalised));
      expect(parsed.sysName).toBe(expected.config.sysName);
      for (const secret of expected.secrets) expect(parsed.text).not.toContain(secret);
    });

    it(`${dialect.commands.interfaces}: own addresses with their lengths, full names`, () => {
      expect(dialect.parseInterfaces(file(expected.interfaces.brief), file(expected.interfaces.config))).toEqual(expected.interfaces.parse);
    });

    for (const n of expected.neighbors) {
      it(`${dialect.commands.neighbors}: ${n.raw}`, () => {
        expect(dialect.parseNeighbors(file(n.raw))).toEqual(n.parse);
      });
    }

    it(`${dialect.commands.neighbors}: LLDP off is recognised, not read as "no neighbours"`, () => {
      for (const f of expected.lldpDisabled) expect(dialect.lldpDisabled.some((p) => p.test(file(f)))).toBe(true);
      for (const n of expected.neighbors) expect(dialect.lldpDisabled.some((p) => p.test(file(n.raw)))).toBe(false);
    });

    for (const s of expected.serial) {
      it(`${dialect.commands.identity}: ${s.raw}`, () => {
        expect(dialect.parseSerial(file(s.raw))).toBe(s.parse);
      });
    }

    it('a normal output is not taken for an error; garbage is refused by the parsers', () => {
      for (const f of [expected.config.raw, expected.interfaces.brief, ...expected.neighbors.map((n) => n.raw)]) {
        expect(dialect.errors.some((p) => p.test(file(f)))).toBe(false);
      }
      expect(() => dialect.parseInterfaces('some unexpected banner\nwith no table', '')).toThrow(/header/);
      expect(() => dialect.parseNeighbors('some unexpected banner')).toThrow(/header/);
    });

    it('prompts: the device’s own shapes match, output lines do not', () => {
      const own = { 'huawei-vrp': ['<GX-NN-BR-01>', '[GX-NN-BR-01]', '[~CE-01]', '[*CE-01]', 'HRP_M<USG-01>'], 'h3c-comware': ['<GX-LZ-BR-02>', '[GX-LZ-BR-02]'], 'cisco-ios': ['GX-BH-BR-03#', 'GX-BH-BR-03>', 'r1(config)#'] }[name];
      for (const p of own) expect(dialect.prompt.test(p)).toBe(true);
      for (const line of ['#', ' sysname GX-NN-BR-01', 'interface GigabitEthernet0/0/1', '!', 'Interface   IP Address/Mask']) expect(dialect.prompt.test(line)).toBe(false);
    });
  });
}
