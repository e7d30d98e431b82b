/** `npm run agent:ssh -- [--once] [--config FILE]`: the SSH verification agent (README.md beside this file). */
import { main } from '../lib/agent.js';
import { sshCycle } from './cycle.js';

await main({ method: 'ssh', cycle: sshCycle });
