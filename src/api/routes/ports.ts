/** GET /api/v1/ports/top and /api/v1/ports/{proto}/{port}/series. */
import type { FastifyPluginAsync } from 'fastify';
import { parsePort, parseProto, type FilterInput } from '../../query/filters.js';
import { rangeQueryFrom } from '../../query/plan.js';
import { INTERVALS, portSeries, type Interval } from '../../query/port-series.js';
import type { QueryContext } from '../../query/runner.js';
import { portSeriesTable, topPortsTable } from '../../query/result-tables.js';
import type { RangeInput } from '../../query/time-range.js';
import { DEFAULT_TOP_PORTS_LIMIT, PORT_RANKINGS, topPorts, type PortRanking } from '../../query/top-ports.js';
import { sendResult, type Format } from '../respond.js';
import {
  filterProperties, formatProperty, limitProperty, portSeriesSchema, querystring, responses, timeRangeProperties, topPortsSchema,
} from '../schemas.js';

interface TopPortsQs extends RangeInput, FilterInput {
  by: PortRanking;
  limit: number;
  format?: Format;
}

interface SeriesQs extends RangeInput, Omit<FilterInput, 'proto' | 'port'> {
  interval: Interval | 'auto';
  format?: Format;
}

const { proto: _proto, ...seriesFilters } = filterProperties;

export const portRoutes: FastifyPluginAsync<{ ctx: QueryContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: TopPortsQs }>('/ports/top', {
    schema: {
      tags: ['ports'],
      summary: 'Destination ports ranked by packets or unique sources, with share and service name',
      querystring: querystring({
        ...timeRangeProperties, ...filterProperties,
        by: { type: 'string', enum: [...PORT_RANKINGS], default: 'packets', description: 'Rank by packets (default) or unique sources.' },
        ...limitProperty(DEFAULT_TOP_PORTS_LIMIT), ...formatProperty,
      }),
      response: responses(topPortsSchema),
    },
  }, async (request, reply) => {
    const q = request.query;
    const result = await topPorts(ctx, { ...rangeQueryFrom(q, ctx), by: q.by, limit: q.limit });
    return sendResult(reply, q.format, result, topPortsTable, 'top-ports');
  });

  app.get<{ Params: { proto: string; port: string }; Querystring: SeriesQs }>('/ports/:proto/:port/series', {
    schema: {
      tags: ['ports'],
      summary: 'Packets and unique sources of one port over time, gaps filled with zeros, plus its rank',
      params: {
        type: 'object',
        additionalProperties: false,
        required: ['proto', 'port'],
        properties: {
          proto: { type: 'string', pattern: '^[A-Za-z0-9]{1,6}$', description: 'tcp, udp, ... or a protocol number' },
          port: { type: 'string', pattern: '^[0-9]{1,5}$', description: 'destination port 0..65535' },
        },
      },
      querystring: querystring({
        ...timeRangeProperties, ...seriesFilters,
        interval: { type: 'string', enum: ['auto', ...INTERVALS], default: 'auto', description: 'Bucket size; auto picks from the range.' },
        ...formatProperty,
      }),
      response: responses(portSeriesSchema),
    },
  }, async (request, reply) => {
    const q = request.query;
    const result = await portSeries(ctx, {
      ...rangeQueryFrom(q, ctx),
      proto: parseProto(request.params.proto),
      port: parsePort(request.params.port),
      interval: q.interval,
    });
    return sendResult(reply, q.format, result, portSeriesTable, 'port-series');
  });
};
