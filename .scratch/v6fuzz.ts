import postgres from 'postgres';
import { readStoredCidr, cidrOf } from '../server/net/cidr.js';
const sql = postgres(process.env.U!, { max: 1 });
const cases: string[] = [];
const rnd = () => { const r = Math.random(); return r < 0.5 ? 0 : r < 0.6 ? 1 : Math.floor(Math.random() * 65536); };
for (let i = 0; i < 20000; i++) {
  let v = 0n; for (let k = 0; k < 8; k++) v = (v << 16n) | BigInt(rnd());
  if (i % 10 === 0) v &= (1n << 32n) - 1n; // ::/96
  if (i % 10 === 1) v = (0xffffn << 32n) | (v & ((1n << 32n) - 1n)); // ::ffff:0:0/96
  const len = 128 - Math.floor(Math.random() * 3) * 8;
  const c = cidrOf(6, (v >> BigInt(128 - len)) << BigInt(128 - len), len);
  cases.push(c.text);
}
const got = await sql`SELECT c, c::cidr::text AS pg FROM unnest(${cases}::text[]) c`;
let diff = 0; const samples: string[] = [];
for (const r of got) { const canon = readStoredCidr(r.pg).text; if (canon !== r.pg) { if (!r.pg.startsWith("::")) console.log("OTHER", r.pg, canon); diff++; if (samples.length < 12) samples.push(`${r.pg} -> ${canon}`); } }
console.log('diff', diff, 'of', got.length); console.log(samples.join('\n'));
await sql.end();
