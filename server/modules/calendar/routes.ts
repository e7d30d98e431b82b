import { createRoute } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, router, security } from '../../http/openapi.js';
import { addWorkdaysQuery, calendarYearSchema, publishedYearInput, workdayAnswerSchema, yearParam } from './inputs.js';
import { addWorkdaysFor, loadCalendarYear } from './service.js';

const tags = ['calendar'];

export const calendarRoutes = router()
  .openapi(
    createRoute({
      method: 'get',
      path: '/calendar/add-workdays',
      tags,
      security,
      summary: 'the days-th working day after from on the official calendar (Asia/Shanghai)',
      request: { query: addWorkdaysQuery },
      responses: { 200: jsonResponse(workdayAnswerSchema), ...errorResponses },
    }),
    async (c) => c.json(await addWorkdaysFor(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/calendar/{year}',
      tags,
      security,
      summary: 'load a year as holiday-cn publishes it; recomputes every open acceptance and review deadline',
      request: { params: yearParam, ...jsonBody(publishedYearInput) },
      responses: { 200: jsonResponse(calendarYearSchema), ...errorResponses },
    }),
    async (c) => c.json(await loadCalendarYear(ctxOf(c), c.req.valid('param').year, c.req.valid('json')), 200),
  );
