import { z } from '@hono/zod-openapi';

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a calendar date YYYY-MM-DD')
  .openapi({ example: '2026-09-30' });

export const yearParam = z.object({
  year: z
    .string()
    .regex(/^(19[5-9]\d|2[01]\d\d|2200)$/, 'a year such as 2027')
    .openapi({ param: { name: 'year', in: 'path' }, example: '2027' }),
});

export const addWorkdaysQuery = z
  .object({
    from: date,
    days: z.coerce.number().int().min(0).max(366).openapi({ example: 15 }),
  })
  .strict();
export type AddWorkdaysQuery = z.infer<typeof addWorkdaysQuery>;

export const workdayAnswerSchema = z
  .object({
    date: z.string(),
    provisional: z.boolean().openapi({ description: 'the span touches a year whose official arrangement is neither loaded nor packaged: the date may still move' }),
  })
  .openapi('WorkdayAnswer');

/** A holiday-cn year file as published (https://github.com/NateScarlet/holiday-cn), `$schema` and `$id` included. */
export const publishedYearInput = z
  .object({
    $schema: z.string().max(500).optional(),
    $id: z.string().max(500).optional(),
    year: z.number().int().min(1950).max(2200),
    papers: z.array(z.string().max(1000)).max(20).openapi({ example: ['http://www.gov.cn/zhengce/content/2026-11/01/content_0000000.htm'] }),
    days: z
      .array(
        z
          .object({
            name: z.string().min(1).max(100).openapi({ example: '元旦' }),
            date,
            isOffDay: z.boolean(),
          })
          .strict(),
      )
      .max(400),
  })
  .strict()
  .openapi('PublishedYear', {
    example: {
      year: 2027,
      papers: ['http://www.gov.cn/zhengce/content/2026-11/01/content_0000000.htm'],
      days: [
        { name: '元旦', date: '2027-01-01', isOffDay: true },
        { name: '春节', date: '2027-02-06', isOffDay: false },
      ],
    },
  });
export type PublishedYearInput = z.infer<typeof publishedYearInput>;

export const calendarYearSchema = z
  .object({
    year: z.number().int(),
    papers: z.array(z.string()),
    days: z.array(z.object({ name: z.string(), date: z.string(), isOffDay: z.boolean() })),
    loadedAt: z.string(),
    loadedBy: z.string(),
    rescheduled: z
      .array(z.object({ id: z.string(), field: z.enum(['acceptBy', 'deadline']), from: z.string(), to: z.string(), provisional: z.boolean() }))
      .openapi({ description: 'open applications whose acceptance or review deadline moved (or stopped being provisional) with this year' }),
  })
  .openapi('CalendarYear');
export type CalendarYearView = z.infer<typeof calendarYearSchema>;
