import { sql } from 'drizzle-orm';
import { rows } from '../server/db/client.js';
import { call, openRegistry, benchToken } from '../test/bench/support.js';
const reg = await openRegistry('postgres');
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
for (let i = 0; i < 40; i++) await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 24, holder: '450100', status: 'allocated', count: 250 });
await reg.database.db.execute(sql`ANALYZE`);
const time = async (label: string, f: () => Promise<unknown>) => { for (let w = 0; w < 3; w++) await f(); const t = performance.now(); for (let i = 0; i < 5; i++) await f(); console.log(label, ((performance.now() - t) / 5).toFixed(1), 'ms'); };
const url = `/api/v1/prefixes/${pool.body.id}/children?limit=1000`;
await time('API page', async () => (await reg.app.request(url, { headers: { authorization: `Bearer ${benchToken}` } })).text());
await time('raw 1000', () => rows(reg.database.db, sql`SELECT * FROM prefixes WHERE parent_id = ${Number(pool.body.id)} ORDER BY vrf_id, prefix, id LIMIT 1000`));
const r = await reg.raw!.unsafe(`EXPLAIN ANALYZE WITH found AS (
          SELECT prefixes.* FROM prefixes WHERE parent_id = ${pool.body.id}
          ORDER BY prefixes.vrf_id, prefixes.prefix, prefixes.id LIMIT 1001
        ), shown AS (SELECT * FROM found ORDER BY vrf_id, prefix, id LIMIT 1000),
        last AS (SELECT vrf_id, prefix, id FROM shown ORDER BY vrf_id DESC, prefix DESC, id DESC LIMIT 1)
        SELECT (SELECT '[' || string_agg(row_to_json((SELECT x FROM (SELECT s.id::text AS id, v.name AS vrf, s.prefix::text AS cidr, row_to_json((SELECT h FROM (SELECT s.holder_code AS code, u.name AS name) h)) AS holder, to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS c) x))::text, ',' ORDER BY s.vrf_id, s.prefix, s.id) || ']'
                FROM shown s JOIN vrfs v ON v.id = s.vrf_id JOIN units u ON u.code = s.holder_code) AS items,
               (SELECT count(*) FROM found) > 1000 AS more FROM (SELECT 1) one LEFT JOIN last ON TRUE`);
console.log(r.map((x: any) => x['QUERY PLAN']).join('\n'));
await reg.close();
