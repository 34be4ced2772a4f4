/** GET /api/v1/summary: the NICTER-style observation report. */
import type { FastifyPluginAsync } from 'fastify';
import type { FilterInput } from '../../query/filters.js';
import { rangeQueryFrom } from '../../query/plan.js';
import type { QueryContext } from '../../query/runner.js';
import { DEFAULT_TOP_COUNTRIES, DEFAULT_TOP_PORTS, summary } from '../../query/summary.js';
import { summaryTable } from '../../query/result-tables.js';
import type { RangeInput } from '../../query/time-range.js';
import { sendResult, type Format } from '../respond.js';
import { filterProperties, formatProperty, MAX_LIMIT, portFilterProperty, querystring, responses, summarySchema, timeRangeProperties } from '../schemas.js';

interface SummaryQs extends RangeInput, FilterInput {
  topPorts: number;
  topCountries: number;
  format?: Format;
}

export const summaryRoutes: FastifyPluginAsync<{ ctx: QueryContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: SummaryQs }>('/summary', {
    schema: {
      tags: ['reports'],
      summary: 'Observation report: totals, packets per darknet address, research share, class and protocol shares, top ports and countries',
      querystring: querystring({
        ...timeRangeProperties, ...filterProperties, ...portFilterProperty,
        topPorts: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_TOP_PORTS, description: 'Ports listed (default 10).' },
        topCountries: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_TOP_COUNTRIES, description: 'Countries listed (default 10).' },
        ...formatProperty,
      }),
      response: responses(summarySchema),
    },
  }, async (request, reply) => {
    const q = request.query;
    const result = await summary(ctx, { ...rangeQueryFrom(q, ctx), topPorts: q.topPorts, topCountries: q.topCountries });
    return sendResult(reply, q.format, result, summaryTable, 'summary');
  });
};
