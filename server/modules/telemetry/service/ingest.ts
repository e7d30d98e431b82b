import { and, eq, gte, lte, sql } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import { rows } from '../../../db/client.js';
import { jsonIds, jsonRows } from '../../../db/json-rows.js';
import { cursorParts, decodeCursor, encodeCursor, keysetPage, type Page } from '../../../http/paging.js';
import { forbidden, invalid, notFound, Problem } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import { deviceInterfaces, devices } from '../../sites/schema.js';
import { deviceReadable } from '../../sites/service/devices.js';
import { devicesAgentMayReport } from '../../sites/service/targets.js';
import { judgeLinksAfterReadings, resolveDevicesHeardFrom } from './incidents.js';
import { MAX_READINGS_PER_BATCH, type ListReadingsQuery, type ReadingBatchInput, type ReadingBatchResult, type ReadingView } from '../inputs.js';
import '../constraints.js';
import { readings } from '../schema.js';

const futureSlackMs = 5 * 60_000;
const counter32Max = 2n ** 32n - 1n;

/**
 * Accepts a batch of raw counter readings. Idempotent per (device, ifName, at): the insert
 * skips readings already stored, so an agent replaying its spool changes nothing and hears how
 * many were new. The whole batch is refused (and nothing stored) when any reading is invalid,
 * names a device or interface the registry does not know, or — for an agent — a device not
 * assigned to it. Incidents the readings cause exist when this returns.
 */
export async function postReadings(ctx: Ctx, input: ReadingBatchInput): Promise<ReadingBatchResult> {
  authorize(ctx, 'reading.create');
  const list = input.readings;
  if (list.length > MAX_READINGS_PER_BATCH) {
    throw new Problem(
      413,
      'payload_too_large',
      `a batch holds at most ${MAX_READINGS_PER_BATCH.toLocaleString('en')} readings and this one has ${list.length.toLocaleString('en')}: send it as several batches`,
      { limit: MAX_READINGS_PER_BATCH, received: list.length },
    );
  }
  const now = ctx.now();
  const latest = now.getTime() + futureSlackMs;
  const times = new Array<number>(list.length);
  const deviceIds = new Set<number>();
  // A poll cycle's readings share a handful of times: each is parsed once (Date.parse cost ~1 µs
  // a reading, ~10 ms of a 10,000 batch on a busy machine; issue 14).
  const parsed = new Map<string, number>();
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    let at = parsed.get(r.at);
    if (at === undefined) parsed.set(r.at, (at = Date.parse(r.at)));
    if (Number.isNaN(at)) throw invalid(`readings[${i}].at ${r.at} is not a time`, { field: `readings.${i}.at` });
    if (at > latest) {
      throw invalid(`readings[${i}].at ${r.at} lies more than 5 minutes ahead of the server's clock (${now.toISOString()}): check the agent's clock (NTP)`, {
        field: `readings.${i}.at`,
      });
    }
    if (r.counterBits === 32 && (BigInt(r.inOctets) > counter32Max || BigInt(r.outOctets) > counter32Max)) {
      throw invalid(`readings[${i}] says counterBits 32 but its octets exceed 2^32 − 1: send counterBits 64 for ifHC* counters`, { field: `readings.${i}.counterBits` });
    }
    times[i] = at;
    deviceIds.add(Number(r.device));
  }
  if (list.length === 0) return { received: 0, accepted: 0, duplicates: 0 };

  return mutate(ctx, async (tx, audit) => {
    const known = await rows<{ id: string | number; hostname: string; snmp_agent_user_id: string | number | null }>(
      tx,
      sql`SELECT id, hostname, snmp_agent_user_id FROM devices WHERE id = ANY(${jsonIds([...deviceIds])})`,
    );
    const byId = new Map(known.map((d) => [Number(d.id), d]));
    // An agent reports for the devices assigned to it, and for those it holds a live lease on:
    // the leases are checked once per batch, for the devices not assigned to it (issue 14: this
    // was up to two queries per reading, 20,000 for a batch from leased devices).
    const leased =
      ctx.actor.role === 'agent'
        ? await devicesAgentMayReport(tx, ctx.actor.userId, known.filter((d) => Number(d.snmp_agent_user_id) !== ctx.actor.userId).map((d) => Number(d.id)), ctx.now(), 'snmp')
        : undefined;
    for (let i = 0; i < list.length; i++) {
      const device = byId.get(Number(list[i].device));
      if (!device) throw invalid(`readings[${i}].device ${list[i].device} is not a registered device`, { field: `readings.${i}.device` });
      if (leased && Number(device.snmp_agent_user_id) !== ctx.actor.userId && !leased.has(Number(device.id))) {
        throw forbidden(`device ${device.hostname} (${device.id}) is not assigned to agent ${ctx.actor.username} for SNMP; it may post readings only for its own devices`);
      }
    }

    // One statement: interfaces resolved by (device, name), the new readings stored, the rollup
    // backlog marked from the earliest new reading per interface (in interface order, the order
    // the rollup takes its locks in), and what the incident checks need. The octets stay the
    // decimal strings they came as: numeric parses them exactly, a JS number would not past 2^53.
    const columns = readingColumns(list, times);
    const [result] = await rows<{ resolved: number; accepted: number; heard: unknown; down: unknown; reopened: unknown }>(
      tx,
      sql`WITH input AS (
            -- The times as an uncorrelated subquery, which PostgreSQL evaluates once (an InitPlan);
            -- a one-row subquery joined in would be inlined and cast the array once per reading,
            -- and a join on the index misleads the planner's row counts.
            SELECT u.device_id, u.if_name, ((SELECT ${columns.times}::text::timestamptz[]))[u.at_index] AS at, u.sys_up_time, u.in_octets, u.out_octets, u.counter_bits, u.high_speed_mbps, u.oper_status
            FROM unnest(${columns.deviceIds}::text::bigint[], ${columns.ifNames}::text::text[], ${columns.atIndexes}::text::integer[], ${columns.sysUpTimes}::text::bigint[],
                        ${columns.inOctets}::text::numeric[], ${columns.outOctets}::text::numeric[], ${columns.counterBits}::text::smallint[],
                        ${columns.highSpeeds}::text::integer[], ${columns.operStatuses}::text::text[])
                   AS u(device_id, if_name, at_index, sys_up_time, in_octets, out_octets, counter_bits, high_speed_mbps, oper_status)
          ), resolved AS (
            SELECT i.id AS interface_id, i.device_id, u.at, u.sys_up_time, u.in_octets, u.out_octets, u.counter_bits, u.high_speed_mbps, u.oper_status
            FROM input u JOIN device_interfaces i ON i.device_id = u.device_id AND i.name = u.if_name
          ), inserted AS (
            INSERT INTO readings (interface_id, at, sys_up_time, in_octets, out_octets, counter_bits, high_speed_mbps, oper_status, received_at)
            SELECT interface_id, at, sys_up_time, in_octets, out_octets, counter_bits, high_speed_mbps, oper_status, ${now.toISOString()}::timestamptz FROM resolved
            ON CONFLICT (interface_id, at) DO NOTHING
            RETURNING interface_id, at
          ), marked AS (
            INSERT INTO rollup_backlog (interface_id, since)
            SELECT interface_id, min(at) FROM inserted GROUP BY interface_id ORDER BY interface_id
            ON CONFLICT (interface_id) DO UPDATE SET since = EXCLUDED.since WHERE EXCLUDED.since < rollup_backlog.since
          )
          SELECT (SELECT count(*)::int FROM resolved) AS resolved,
                 (SELECT count(*)::int FROM inserted) AS accepted,
                 -- Only when some readings were already stored: otherwise every reading is new and
                 -- the caller knows each device's first one (the join cost ~7 ms of a 10,000 batch).
                 CASE WHEN (SELECT count(*) FROM inserted) < (SELECT count(*) FROM resolved) THEN
                   (SELECT json_agg(json_build_array(h.device_id, h.first_ms)) FROM (
                      SELECT r.device_id, (extract(epoch FROM min(x.at)) * 1000)::float8 AS first_ms
                      FROM inserted x JOIN resolved r ON r.interface_id = x.interface_id AND r.at = x.at
                      GROUP BY r.device_id) h)
                 END AS heard,
                 (SELECT json_agg(DISTINCT interface_id) FROM resolved WHERE oper_status IN ('down', 'lowerLayerDown')) AS down,
                 (SELECT json_agg(inc.link_id) FROM incidents inc JOIN links l ON l.id = inc.link_id
                  WHERE inc.kind = 'link_down' AND inc.status = 'open'
                    AND EXISTS (SELECT 1 FROM resolved r WHERE r.interface_id IN (l.a_interface_id, l.z_interface_id))) AS reopened`,
    );
    if (Number(result.resolved) < list.length) {
      // Some reading names an interface its device does not have; find the first, for the answer (the transaction rolls back).
      const [missing] = await rows<{ ord: string | number }>(
        tx,
        sql`SELECT u.ord FROM ${jsonRows(
          'u',
          { device_id: 'bigint', if_name: 'text', ord: 'integer' },
          list.map((r, i) => ({ device_id: Number(r.device), if_name: r.ifName, ord: i + 1 })),
        )}
            WHERE NOT EXISTS (SELECT 1 FROM device_interfaces i WHERE i.device_id = u.device_id AND i.name = u.if_name)
            ORDER BY u.ord LIMIT 1`,
      );
      const i = Number(missing.ord) - 1;
      throw invalid(`readings[${i}]: device ${byId.get(Number(list[i].device))!.hostname} has no interface ${list[i].ifName}; register the interface on the device first`, {
        field: `readings.${i}.ifName`,
      });
    }
    const outcome = { received: list.length, accepted: Number(result.accepted), duplicates: list.length - Number(result.accepted) };
    if (outcome.accepted === 0) return outcome;

    // json columns: NULL when nothing matched; parsed by both drivers, text when one is set to leave json alone.
    const json = <T>(value: unknown): T[] => (typeof value === 'string' ? JSON.parse(value) : (value ?? [])) as T[];
    // Each device's first new reading: from the statement when some were duplicates, else from the batch itself.
    const firstReadings =
      outcome.accepted < list.length
        ? new Map(json<[string | number, number]>(result.heard).map(([device, ms]) => [Number(device), new Date(Number(ms))]))
        : firstReadingPerDevice(list, times);
    const resolved = await resolveDevicesHeardFrom(tx, audit, firstReadings);
    const judged = await judgeLinksAfterReadings(tx, ctx, audit, { downInterfaceIds: json<number>(result.down).map(Number), openLinkIds: json<number>(result.reopened).map(Number) },
      ctx.config.telemetry,
    );
    await audit({
      action: 'reading.ingest',
      objectType: 'readings',
      // One entry per batch, named by its request; the devices it touched are in `after`.
      objectId: ctx.requestId ?? `${ctx.actor.username}@${now.toISOString()}`,
      after: {
        ...outcome,
        devices: [...firstReadings.keys()].sort((a, b) => a - b).map(String),
        incidents: [...resolved, ...judged].map((i) => ({ id: i.id, status: i.status })),
      },
    });
    return outcome;
  });
}

/** The time of each device's earliest reading in the batch. */
function firstReadingPerDevice(list: ReadingBatchInput['readings'], times: number[]): Map<number, Date> {
  const first = new Map<number, number>();
  for (let i = 0; i < list.length; i++) {
    const device = Number(list[i].device);
    const seen = first.get(device);
    if (seen === undefined || times[i] < seen) first.set(device, times[i]);
  }
  return new Map([...first].map(([device, ms]) => [device, new Date(ms)]));
}

/** PostgreSQL array literals, one per column of a batch (see readingColumns). */
interface ReadingColumns {
  deviceIds: string;
  ifNames: string;
  /** each reading's time as a 1-based index into `times` */
  atIndexes: string;
  /** the batch's distinct times, ISO 8601 UTC with milliseconds */
  times: string;
  sysUpTimes: string;
  inOctets: string;
  outOctets: string;
  counterBits: string;
  highSpeeds: string;
  operStatuses: string;
}

/** A text[] element: always quoted, with `"` and `\` escaped, so no name can read as NULL, a brace or a separator. */
const quoted = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`;

/**
 * A validated batch as one array literal per column, sent as text and cast in SQL
 * (`$1::text::bigint[]`), read back by unnest() as rows. Issue 14: the batch went as one
 * json_to_recordset parameter, whose every row repeats its nine keys (1.3 MiB for 10,000
 * readings, each key matched by name on the server); the columns are 0.9 MiB and parse in about
 * two thirds of the time. A poll cycle reads every interface at (nearly) one instant, so the times
 * go once each, as an index per reading: 10,000 timestamps parsed became one or a few. The
 * octets stay decimal strings (numeric parses them exactly); the other cells are numbers and
 * IF-MIB status names the schema validated, so only the interface names need quoting.
 */
function readingColumns(list: ReadingBatchInput['readings'], times: number[]): ReadingColumns {
  const n = list.length;
  const deviceIds = new Array<number>(n);
  const ifNames = new Array<string>(n);
  const atIndexes = new Array<number>(n);
  const sysUpTimes = new Array<number>(n);
  const inOctets = new Array<string>(n);
  const outOctets = new Array<string>(n);
  const counterBits = new Array<number>(n);
  const highSpeeds = new Array<number | string>(n);
  const operStatuses = new Array<string>(n);
  // Interface names repeat across devices (GigabitEthernet0/0/1 on each): quoted once each.
  const quotedNames = new Map<string, string>();
  const timeIndex = new Map<number, number>();
  const distinct: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = list[i];
    let at = timeIndex.get(times[i]);
    if (at === undefined) {
      distinct.push(new Date(times[i]).toISOString());
      timeIndex.set(times[i], (at = distinct.length));
    }
    deviceIds[i] = Number(r.device);
    let name = quotedNames.get(r.ifName);
    if (name === undefined) quotedNames.set(r.ifName, (name = quoted(r.ifName)));
    ifNames[i] = name;
    atIndexes[i] = at;
    sysUpTimes[i] = r.sysUpTime;
    inOctets[i] = r.inOctets;
    outOctets[i] = r.outOctets;
    counterBits[i] = r.counterBits;
    highSpeeds[i] = r.highSpeedMbps ?? 'NULL';
    operStatuses[i] = r.operStatus;
  }
  const literal = (cells: readonly (string | number)[]) => `{${cells.join(',')}}`;
  return {
    deviceIds: literal(deviceIds),
    ifNames: literal(ifNames),
    atIndexes: literal(atIndexes),
    times: literal(distinct),
    sysUpTimes: literal(sysUpTimes),
    inOctets: literal(inOctets),
    outOctets: literal(outOctets),
    counterBits: literal(counterBits),
    highSpeeds: literal(highSpeeds),
    operStatuses: literal(operStatuses),
  };
}

function readingView(row: typeof readings.$inferSelect, deviceId: number, ifName: string): ReadingView {
  return {
    device: String(deviceId),
    ifName,
    at: row.at.toISOString(),
    sysUpTime: Number(row.sysUpTime),
    inOctets: row.inOctets,
    outOctets: row.outOctets,
    counterBits: row.counterBits,
    highSpeedMbps: row.highSpeedMbps,
    operStatus: row.operStatus,
    receivedAt: row.receivedAt.toISOString(),
  };
}

/** The raw readings of a device (or one interface), oldest first; the cursor is the last `at|interface` seen. */
export async function listReadings(ctx: Ctx, query: ListReadingsQuery): Promise<Page<ReadingView>> {
  authorize(ctx, 'reading.read');
  return read(async () => {
    const deviceId = Number(query.device);
    // The readings of a device the caller does not read are not found, like the device.
    const [device] = await ctx.db
      .select({ id: devices.id })
      .from(devices)
      .where(and(eq(devices.id, deviceId), deviceReadable(ctx)));
    if (!device) throw notFound(`device ${query.device}`);
    const to = query.to ? new Date(query.to) : ctx.now();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 86_400_000);
    if (from > to) throw invalid('from lies after to', { field: 'from' });
    const conditions = [eq(deviceInterfaces.deviceId, deviceId), gte(readings.at, from), lte(readings.at, to)];
    if (query.ifName) conditions.push(eq(deviceInterfaces.name, query.ifName));
    if (query.cursor) {
      const [at, interfaceId] = decodeCursor(query.cursor, cursorParts.time, cursorParts.id);
      conditions.push(sql`(${readings.at}, ${readings.interfaceId}) > (${at.toISOString()}::timestamptz, ${interfaceId})`);
    }
    const found = await ctx.db
      .select({ reading: readings, ifName: deviceInterfaces.name })
      .from(readings)
      .innerJoin(deviceInterfaces, eq(deviceInterfaces.id, readings.interfaceId))
      .where(and(...conditions))
      .orderBy(readings.at, readings.interfaceId)
      .limit(query.limit + 1);
    return keysetPage(
      found,
      query.limit,
      (last) => encodeCursor(last.reading.at, last.reading.interfaceId),
      (page) => page.map((r) => readingView(r.reading, deviceId, r.ifName)),
    );
  });
}
