/** GET /api/v1/sources/top and /api/v1/sources/{ip}. */
import type { FastifyPluginAsync } from 'fastify';
import type { FilterInput } from '../../query/filters.js';
import { rangeQueryFrom } from '../../query/plan.js';
import type { QueryContext } from '../../query/runner.js';
import { DEFAULT_PROFILE_PORTS, sourceProfile } from '../../query/source-profile.js';
import { topSourcesTable } from '../../query/result-tables.js';
import type { RangeInput } from '../../query/time-range.js';
import { DEFAULT_TOP_SOURCES_LIMIT, SOURCE_RANKINGS, topSources, type SourceRanking } from '../../query/top-sources.js';
import { sendResult, type Format } from '../respond.js';
import {
  filterProperties, formatProperty, limitProperty, MAX_LIMIT, portFilterProperty, querystring, responses, sourceProfileSchema,
  timeRangeProperties, topSourcesSchema,
} from '../schemas.js';

interface TopSourcesQs extends RangeInput, FilterInput {
  by: SourceRanking;
  limit: number;
  format?: Format;
}

interface ProfileQs extends RangeInput, FilterInput {
  portsLimit: number;
  fingerprints: boolean;
}

export const sourceRoutes: FastifyPluginAsync<{ ctx: QueryContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: TopSourcesQs }>('/sources/top', {
    schema: {
      tags: ['sources'],
      summary: 'The sources that sent the most (optionally to one port)',
      querystring: querystring({
        ...timeRangeProperties, ...filterProperties, ...portFilterProperty,
        by: { type: 'string', enum: [...SOURCE_RANKINGS], default: 'packets', description: 'Rank by packets (default), ports touched or destinations.' },
        ...limitProperty(DEFAULT_TOP_SOURCES_LIMIT), ...formatProperty,
      }),
      response: responses(topSourcesSchema),
    },
  }, async (request, reply) => {
    const q = request.query;
    const result = await topSources(ctx, { ...rangeQueryFrom(q, ctx), by: q.by, limit: q.limit });
    return sendResult(reply, q.format, result, topSourcesTable, 'top-sources');
  });

  app.get<{ Params: { ip: string }; Querystring: ProfileQs }>('/sources/:ip', {
    schema: {
      tags: ['sources'],
      summary: 'Everything known about one source: totals, ports, timeline, fingerprints, country/ASN, label',
      params: {
        type: 'object',
        additionalProperties: false,
        required: ['ip'],
        properties: { ip: { type: 'string', maxLength: 45, description: 'IPv4 or IPv6 address' } },
      },
      querystring: querystring({
        ...timeRangeProperties, ...filterProperties, ...portFilterProperty,
        portsLimit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_PROFILE_PORTS, description: 'Ports listed (default 100).' },
        fingerprints: { type: 'boolean', default: true, description: 'Read raw packets (last 7 retained days of the range) for header fingerprints.' },
      }),
      response: responses(sourceProfileSchema),
    },
  }, async (request) => {
    const q = request.query;
    return sourceProfile(ctx, { ...rangeQueryFrom(q, ctx), ip: request.params.ip, portsLimit: q.portsLimit, fingerprints: q.fingerprints });
  });
};
