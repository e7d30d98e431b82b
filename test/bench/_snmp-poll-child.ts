/**
 * The agent's side of the SNMP poll benchmark (test/bench/snmp-poll.ts runs it inside the network
 * namespace, where snmpd listens on 127.0.0.1): one device with every interface as a target,
 * polled by the agent's own pollDevice. Reads JSON commands on stdin ("poll" → one cycle), answers
 * one JSON line each: {ms, readings, rss, remapped}.
 *   argv: <port> <community> <file with one interface name per line> <varbindsPerPdu> <pdusInFlight>
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { AgentTarget } from '../../agents/lib/client.js';
import { pollDevice, type DeviceMemory } from '../../agents/snmp/poll.js';

const [port, community, namesFile, perPdu, inFlight] = process.argv.slice(2);
const names = fs.readFileSync(namesFile, 'utf8').split('\n').filter(Boolean);
const target: AgentTarget = {
  id: '1',
  hostname: 'bench-pe',
  role: 'pe',
  vendor: 'huawei',
  dialect: null,
  model: '',
  serial: '',
  mgmtAddress: '127.0.0.1',
  methods: ['snmp'],
  leased: false,
  interfaces: names.map((name) => ({ name, address: null, link: null })),
  snmp: { version: '2c', port: Number(port), community },
};
const memory = new Map<string, DeviceMemory>();
let peakRss = process.memoryUsage().rss;
setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5).unref();

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === 'rss') {
    process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss })}\n`);
    continue;
  }
  if (line.trim() !== 'poll') continue;
  const started = performance.now();
  const poll = await pollDevice(target, memory, { timeoutMs: 5000, retries: 1, varbindsPerPdu: Number(perPdu), pdusInFlight: Number(inFlight) });
  const ms = performance.now() - started;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const readings = poll.interfaces.filter((i) => i.reading).length;
  process.stdout.write(`${JSON.stringify({ ms, readings, status: poll.status, detail: poll.detail, rss: peakRss, remapped: poll.remapped })}\n`);
}
