/** GET /api/v1/trends: spikes against each port's own baseline, and new ports. */
import type { FastifyPluginAsync } from 'fastify';
import { parseFilters, type FilterInput } from '../../query/filters.js';
import type { QueryContext } from '../../query/runner.js';
import { trendsTable } from '../../query/result-tables.js';
import { parseTime } from '../../query/time-range.js';
import { DEFAULT_TREND_PARAMS as D, trends } from '../../query/trends.js';
import { sendResult, type Format } from '../respond.js';
import { filterProperties, formatProperty, querystring, responses, trendsSchema } from '../schemas.js';

interface TrendsQs extends FilterInput {
  to?: string;
  recentDays?: number;
  baselineDays?: number;
  trendThreshold?: number;
  zThreshold?: number;
  minPackets?: number;
  minSources?: number;
  limit?: number;
  format?: Format;
}

export const trendRoutes: FastifyPluginAsync<{ ctx: QueryContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: TrendsQs }>('/trends', {
    schema: {
      tags: ['trends'],
      summary: 'Ports departing from their own baseline (DShield trend score, robust z-score) and new ports',
      querystring: querystring({
        to: { type: 'string', maxLength: 40, description: 'End of the recent window (default: today 00:00 UTC).' },
        recentDays: { type: 'integer', minimum: 1, maximum: 30, description: `Days in the recent window (default ${D.recentDays}).` },
        baselineDays: { type: 'integer', minimum: 2, maximum: 365, description: `Days in the baseline window before it (default ${D.baselineDays}).` },
        trendThreshold: { type: 'number', minimum: 0, description: `Trend score that makes a spike (default ${D.trendThreshold}).` },
        zThreshold: { type: 'number', minimum: 0, description: `Robust z-score that makes a spike (default ${D.zThreshold}).` },
        minPackets: { type: 'integer', minimum: 0, description: `Packets a day a port needs in the recent window (default ${D.minPackets}).` },
        minSources: { type: 'integer', minimum: 0, description: `Sources a day a new port needs (default ${D.minSources}).` },
        limit: { type: 'integer', minimum: 1, maximum: 10_000, description: `Spikes and new ports listed, each (default ${D.limit}).` },
        ...filterProperties, ...formatProperty,
      }),
      response: responses(trendsSchema),
    },
  }, async (request, reply) => {
    const q = request.query;
    const result = await trends(ctx, {
      to: q.to === undefined ? undefined : parseTime(q.to, ctx.now(), 'to'),
      filters: parseFilters(q),
      params: {
        recentDays: q.recentDays, baselineDays: q.baselineDays, trendThreshold: q.trendThreshold, zThreshold: q.zThreshold,
        minPackets: q.minPackets, minSources: q.minSources, limit: q.limit,
      },
    });
    return sendResult(reply, q.format, result, trendsTable, 'trends');
  });
};
