import { sql } from 'drizzle-orm';
import { rows } from '../server/db/client.js';
import { call, openRegistry, benchToken } from '../test/bench/support.js';
const reg = await openRegistry('postgres');
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
for (let i = 0; i < 40; i++) await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 24, holder: '450100', status: 'allocated', count: 250 });
await reg.database.db.execute(sql`ANALYZE`);
const time = async (label: string, f: () => Promise<unknown>) => { for (let w = 0; w < 3; w++) await f(); const t = performance.now(); for (let i = 0; i < 5; i++) await f(); console.log(label, ((performance.now() - t) / 5).toFixed(1), 'ms'); };
const id = Number(pool.body.id);
const variants: Record<string, string> = {
  nested: `row_to_json((SELECT x FROM (SELECT s.id::text AS id, v.name AS vrf, v.zone_code AS zone, s.prefix::text AS cidr, s.family::int AS family, s.status AS status, row_to_json((SELECT h FROM (SELECT s.holder_code AS code, u.name AS name) h)) AS holder, s.parent_id::text AS "parentId", s.description AS description, row_to_json((SELECT w FROM (SELECT CASE WHEN s.total_addresses = 0 THEN 0::float8 ELSE div(s.used_addresses * 10000, s.total_addresses)::float8 / 100 END AS percent, s.used_addresses::text AS "usedAddresses", s.total_addresses::text AS "totalAddresses") w)) AS utilization, s.child_count AS "childCount", s.address_count AS "addressCount", to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", to_char(s.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt") x))::text`,
  concat: `'{"id":"' || s.id || '","vrf":' || to_json(v.name) || ',"zone":' || to_json(v.zone_code) || ',"cidr":"' || s.prefix || '","family":' || s.family || ',"status":"' || s.status || '","holder":{"code":' || to_json(s.holder_code) || ',"name":' || to_json(u.name) || '},"parentId":' || coalesce('"' || s.parent_id || '"', 'null') || ',"description":' || to_json(s.description) || ',"utilization":{"percent":' || (CASE WHEN s.total_addresses = 0 THEN 0::float8 ELSE div(s.used_addresses * 10000, s.total_addresses)::float8 / 100 END) || ',"usedAddresses":"' || s.used_addresses || '","totalAddresses":"' || s.total_addresses || '"},"childCount":' || s.child_count || ',"addressCount":' || s.address_count || ',"createdAt":"' || to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '","updatedAt":"' || to_char(s.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"}'`,
  plain: `s.id::text`,
};
for (const [name, expr] of Object.entries(variants)) {
  await time(name, () => reg.raw!.unsafe(`SELECT '[' || string_agg(${expr}, ',' ORDER BY s.vrf_id, s.prefix, s.id) || ']' AS j FROM (SELECT * FROM prefixes WHERE parent_id = ${id} ORDER BY vrf_id, prefix, id LIMIT 1000) s JOIN vrfs v ON v.id = s.vrf_id JOIN units u ON u.code = s.holder_code`));
}
const a = await reg.raw!.unsafe(`SELECT '[' || string_agg(${variants.nested}, ',' ORDER BY s.vrf_id, s.prefix, s.id) || ']' AS j FROM (SELECT * FROM prefixes WHERE parent_id = ${id} ORDER BY vrf_id, prefix, id LIMIT 1000) s JOIN vrfs v ON v.id = s.vrf_id JOIN units u ON u.code = s.holder_code`);
const b = await reg.raw!.unsafe(`SELECT '[' || string_agg(${variants.concat}, ',' ORDER BY s.vrf_id, s.prefix, s.id) || ']' AS j FROM (SELECT * FROM prefixes WHERE parent_id = ${id} ORDER BY vrf_id, prefix, id LIMIT 1000) s JOIN vrfs v ON v.id = s.vrf_id JOIN units u ON u.code = s.holder_code`);
console.log('same', a[0].j === b[0].j, a[0].j.length);
await time('raw 1000', () => rows(reg.database.db, sql`SELECT * FROM prefixes WHERE parent_id = ${id} ORDER BY vrf_id, prefix, id LIMIT 1000`));
await time('raw 1000 postgres.js', () => reg.raw!`SELECT * FROM prefixes WHERE parent_id = ${id} ORDER BY vrf_id, prefix, id LIMIT 1000`);
await time('API page', async () => (await reg.app.request(`/api/v1/prefixes/${id}/children?limit=1000`, { headers: { authorization: `Bearer ${benchToken}` } })).text());
await reg.close();
