import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON lines on stderr (stdout stays for the --once table), one field `agent` naming which. */
export function agentLogger(agent: string, level = 'info'): Logger {
  return pino({ name: `waiwang-agent-${agent}`, level, base: { agent } }, pino.destination({ fd: 2, sync: true }));
}
