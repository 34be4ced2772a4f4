/** GET /api/v1/scans (scan events) and /api/v1/dos (DoS attacks from backscatter). */
import type { FastifyPluginAsync } from 'fastify';
import {
  DEFAULT_DOS_LIMIT, DEFAULT_DOS_MIN_DURATION_SEC, DEFAULT_DOS_MIN_PACKETS, DEFAULT_DOS_MIN_PEAK_PER_MINUTE, DEFAULT_DOS_TIMEOUT_SEC, dosAttacks,
} from '../../query/dos-attacks.js';
import { SCAN_TOOLS, parseFilters } from '../../query/filters.js';
import { resolveRange, type RangeInput } from '../../query/time-range.js';
import type { QueryContext } from '../../query/runner.js';
import { dosAttacksTable, scanEventsTable } from '../../query/result-tables.js';
import {
  DEFAULT_SCAN_EVENTS_LIMIT, DEFAULT_SCAN_EXPIRY_SEC, DEFAULT_SCAN_MIN_ADDRESSES, DEFAULT_STROBE_MIN_PORTS, DEFAULT_VERTICAL_MIN_PORTS,
  SCAN_TYPES, scanEvents, type ScanType,
} from '../../query/scan-events.js';
import { MAX_GAP_SEC, MIN_GAP_SEC } from '../../query/activity-events.js';
import { sendResult, type Format } from '../respond.js';
import { dosAttacksSchema, formatProperty, limitProperty, portFilterProperty, querystring, responses, scanEventsSchema, timeRangeProperties } from '../schemas.js';

interface EventFiltersQs extends RangeInput {
  sensor?: string;
  proto?: string;
  port?: number;
  limit: number;
  format?: Format;
}

interface ScansQs extends EventFiltersQs {
  tool?: string;
  type?: ScanType[];
  expiry?: number;
  minAddresses?: number;
  strobeMinPorts?: number;
  verticalMinPorts?: number;
}

interface DosQs extends EventFiltersQs {
  timeout?: number;
  minPackets?: number;
  minDuration?: number;
  minPeakPerMinute?: number;
}

const gap = (what: string, def: number) => ({
  type: 'integer', minimum: MIN_GAP_SEC, maximum: MAX_GAP_SEC,
  description: `${what}, seconds (${MIN_GAP_SEC}..${MAX_GAP_SEC}, default ${def}).`,
});
const atLeast = (min: number, description: string) => ({ type: 'integer', minimum: min, maximum: 4_294_967_295, description });

const eventFilters = {
  ...timeRangeProperties,
  sensor: { type: 'string', maxLength: 256, description: 'Only this sensor.' },
  proto: { type: 'string', pattern: '^[A-Za-z0-9]{1,6}$', description: 'IP protocol: tcp, udp, icmp, icmpv6 or a number 0..255.' },
  ...portFilterProperty,
};

export const eventRoutes: FastifyPluginAsync<{ ctx: QueryContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: ScansQs }>('/scans', {
    schema: {
      tags: ['events'],
      summary: 'Scan events starting in the range: horizontal, strobe and vertical scans with rate, IPv4 coverage and tool',
      querystring: querystring({
        ...eventFilters,
        tool: { type: 'string', enum: [...SCAN_TOOLS], description: 'Only events whose packets are mostly from this tool.' },
        type: { type: 'array', maxItems: 3, items: { type: 'string', enum: [...SCAN_TYPES] }, description: 'Event types (repeatable; default all).' },
        expiry: gap('A scan ends after this long without a packet (Durumeric et al. 2014)', DEFAULT_SCAN_EXPIRY_SEC),
        minAddresses: atLeast(1, `Distinct darknet addresses a scan reaches (minimum size; default ${DEFAULT_SCAN_MIN_ADDRESSES}).`),
        strobeMinPorts: atLeast(1, `Ports of a strobe scan (default ${DEFAULT_STROBE_MIN_PORTS}).`),
        verticalMinPorts: atLeast(1, `Ports of a vertical scan (default ${DEFAULT_VERTICAL_MIN_PORTS}).`),
        ...limitProperty(DEFAULT_SCAN_EVENTS_LIMIT), ...formatProperty,
      }),
      response: responses(scanEventsSchema),
    },
  }, async (request, reply) => {
    const q = request.query;
    const result = await scanEvents(ctx, {
      range: resolveRange(q, ctx.now(), { maxSpanSec: ctx.maxRangeSec }),
      filters: parseFilters({ sensor: q.sensor, proto: q.proto, port: q.port, tool: q.tool }),
      types: q.type, expirySec: q.expiry, minAddresses: q.minAddresses, strobeMinPorts: q.strobeMinPorts, verticalMinPorts: q.verticalMinPorts,
      limit: q.limit,
    });
    return sendResult(reply, q.format, result, scanEventsTable, 'scans');
  });

  app.get<{ Querystring: DosQs }>('/dos', {
    schema: {
      tags: ['events'],
      summary: 'DoS attacks starting in the range, inferred from backscatter: victim, ports, peak and mean rate, rate extrapolated to the victim',
      querystring: querystring({
        ...eventFilters,
        timeout: gap('An attack ends after this long without backscatter (corsaro dos)', DEFAULT_DOS_TIMEOUT_SEC),
        minPackets: atLeast(1, `Backscatter packets an attack needs (minimum size; default ${DEFAULT_DOS_MIN_PACKETS}).`),
        minDuration: atLeast(0, `Seconds an attack lasts at least (default ${DEFAULT_DOS_MIN_DURATION_SEC}).`),
        minPeakPerMinute: atLeast(0, `Packets in its busiest minute (default ${DEFAULT_DOS_MIN_PEAK_PER_MINUTE}).`),
        ...limitProperty(DEFAULT_DOS_LIMIT), ...formatProperty,
      }),
      response: responses(dosAttacksSchema),
    },
  }, async (request, reply) => {
    const q = request.query;
    const result = await dosAttacks(ctx, {
      range: resolveRange(q, ctx.now(), { maxSpanSec: ctx.maxRangeSec }),
      filters: parseFilters({ sensor: q.sensor, proto: q.proto, port: q.port }),
      timeoutSec: q.timeout, minPackets: q.minPackets, minDurationSec: q.minDuration, minPeakPerMinute: q.minPeakPerMinute, limit: q.limit,
    });
    return sendResult(reply, q.format, result, dosAttacksTable, 'dos');
  });
};
