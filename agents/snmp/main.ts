// npm run agent:snmp -- [--once] [--config FILE]: the SNMP agent (README.md beside this file).
import { main } from '../lib/agent.js';
import { snmpCycle } from './cycle.js';

await main({ method: 'snmp', cycle: snmpCycle() });
