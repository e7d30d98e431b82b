import type { DialectName } from '../../../server/net/ifname.js';

export type { DialectName };

/** An interface with its own address and prefix length (`10.1.2.1/30`), as POST /device-checks takes it. */
export interface CheckedInterface {
  name: string;
  address: string;
}

/** An LLDP neighbour as seen from the device: its local port, the neighbour's system name and port. */
export interface CheckedNeighbor {
  localIf: string;
  remoteSysName: string;
  remoteIf: string;
}

/**
 * What a dialect knows about a vendor's CLI: data (prompts, commands, patterns) and pure
 * parsers of the cleaned command output (lines joined with `\n`, no echo, no prompt, no pager).
 * The transport knows nothing of vendors; the agent runs `commands` in order through it.
 */
export interface Dialect {
  name: DialectName;
  /** the whole last line of the buffer when the device waits for a command */
  prompt: RegExp;
  /** the last line when the device waits for a key to show more */
  pager: RegExp;
  /** what the pager is answered with (one space shows the next page everywhere) */
  pagerAnswer: string;
  /** turns paging off for this session only */
  pagingOff: string;
  commands: {
    config: string;
    interfaces: string;
    /** null: the dialect has no LLDP command, neighbours are never checked */
    neighbors: string | null;
    identity: string;
  };
  /** output lines that say the command failed */
  errors: RegExp[];
  /** output that says LLDP is off: neighbours are "not checked", never "none" */
  lldpDisabled: RegExp[];
  /** whether the device runs commands by SSH exec; most network devices refuse it (shell by default) */
  exec: boolean;
  /**
   * Whether this dialect's devices commonly offer only legacy algorithms. False for all three
   * here: a device that needs them says so itself (`ssh.legacyAlgorithms`), never globally.
   */
  legacyAlgorithms: boolean;
  /** The configuration with volatile lines dropped and secrets masked, and the sysname it declares. */
  parseConfig(output: string): { text: string; sysName: string | null };
  /** Interfaces that have an address: the brief table, lengths from the configuration when the table has none. */
  parseInterfaces(brief: string, config: string): CheckedInterface[];
  parseNeighbors(output: string): CheckedNeighbor[];
  parseSerial(output: string): string | null;
}

/** Raised by a parser when output has none of the shapes it knows: the check reports it as an error. */
export class UnparsableOutput extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`${command}: ${message}`);
  }
}
