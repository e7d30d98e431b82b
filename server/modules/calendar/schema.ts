import { sql } from 'drizzle-orm';
import { check, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { PublishedDay } from './workdays.js';

/**
 * Years of the official calendar loaded as holiday-cn publishes them (PUT /calendar/{year}).
 * They take precedence over the years packaged with chinese-days; a year's file may rearrange
 * the last days of the year before (workdays.ts).
 */
export const calendarYears = pgTable(
  'calendar_years',
  {
    year: integer('year').primaryKey(),
    papers: text('papers').array().notNull(),
    days: jsonb('days').$type<PublishedDay[]>().notNull(),
    loadedAt: timestamp('loaded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    loadedBy: text('loaded_by').notNull(),
  },
  (t) => [check('calendar_years_year_check', sql`${t.year} BETWEEN 1949 AND 2200`)],
);

export type CalendarYearRow = typeof calendarYears.$inferSelect;
