import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp, type AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * Divisions (行政区划) and departments (用户单位) share one table: both are "units" that hold
 * space, are named by code everywhere, and form one tree. `path` is the chain of codes from
 * the region down ('/450000/450100/450102/'), so "is X in Y's subtree" is one index range
 * scan instead of a recursive walk on every authorization.
 */
export const units = pgTable(
  'units',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['division', 'department'] }).notNull(),
    level: text('level', { enum: ['region', 'city', 'county', 'township'] }).notNull(),
    type: text('type').notNull(),
    parentCode: text('parent_code').references((): AnyPgColumn => units.code),
    path: text('path').notNull(),
    /** Service channels of the unit's O&M office (article 20): hotline, email, website, wechat. */
    channels: jsonb('channels').$type<Record<string, string>>().notNull().default({}),
    retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('units_parent_idx').on(t.parentCode),
    index('units_path_idx').using('btree', sql`${t.path} text_pattern_ops`),
    check('units_root_has_no_parent', sql`(${t.parentCode} IS NULL) = (${t.level} = 'region' AND ${t.kind} = 'division')`),
    check('units_path_ends_with_code', sql`${t.path} LIKE '%/' || ${t.code} || '/'`),
  ],
);

export type UnitRow = typeof units.$inferSelect;
