import { TableCache } from '../../db/cache.js';
import { vrfs } from './schema.js';

/**
 * Each database's id → VRF map, kept in process (server/db/cache.ts: dropped on a VRF write and,
 * through NOTIFY, on every other server). VRF rows never change once created (there is no
 * rename), so a map that lacks a needed id or name (a VRF created elsewhere a moment ago) is
 * reloaded or the database asked.
 */
export const vrfCache = new TableCache('vrfs', async (db) => new Map((await db.select().from(vrfs)).map((v) => [v.id, v])));
