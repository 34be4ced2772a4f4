/**
 * JSON schemas shared by the routes: query-string parameters (validated by
 * fastify's ajv with unknown parameters rejected) and the shapes of results
 * (used to serialize responses and to generate /openapi.json).
 */
import { SCAN_TOOLS, TRAFFIC_CLASSES } from '../query/filters.js';

export const MAX_LIMIT = 10_000;

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });
const int = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'integer', description, ...extra });
const num = (description: string) => ({ type: 'number', description });
const nullableNum = (description: string) => ({ type: ['number', 'null'], description });

export const timeRangeProperties = {
  from: str('Start (inclusive): ISO 8601 (2024-03-01, 2024-03-01T12:00:00Z) or relative (-24h, -30d, -2w). Default -24h.', { maxLength: 40 }),
  to: str('End (exclusive): ISO 8601 or relative, or "now" (the default).', { maxLength: 40 }),
};

export const filterProperties = {
  sensor: str('Only this sensor.', { maxLength: 256 }),
  proto: str('IP protocol: tcp, udp, icmp, icmpv6, sctp, gre, esp or a number 0..255.', { pattern: '^[A-Za-z0-9]{1,6}$' }),
  class: str('Traffic class.', { enum: [...TRAFFIC_CLASSES] }),
  tool: str('Scan tool recognised from packet headers.', { enum: [...SCAN_TOOLS] }),
  label: str('Only sources with exactly this label ("" = unlabelled).', { maxLength: 256 }),
  excludeLabel: {
    type: 'array', maxItems: 100, items: { type: 'string', maxLength: 256 },
    description: 'Leave out sources with this label (repeatable), e.g. excludeLabel=research.',
  },
  country: str('ISO 3166 alpha-2 country of the source.', { pattern: '^[A-Za-z]{2}$' }),
  asn: int('AS number of the source.', { minimum: 0, maximum: 4_294_967_295 }),
};

export const portFilterProperty = {
  port: int('Destination port (combine with proto).', { minimum: 0, maximum: 65_535 }),
};

export const limitProperty = (def: number) => ({
  limit: int(`Rows to return (1..${MAX_LIMIT}, default ${def}).`, { minimum: 1, maximum: MAX_LIMIT, default: def }),
});

export const formatProperty = {
  format: str('json (default) or csv.', { enum: ['json', 'csv'], default: 'json' }),
};

export function querystring(properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, properties };
}

// ------------------------------------------------------------------ results

export const rangeSchema = {
  type: 'object',
  description: 'The range actually read: the request widened to whole buckets of the grain.',
  required: ['from', 'to'],
  properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } },
};

export const grainSchema = { type: 'string', enum: ['minute', 'hour', 'day'], description: 'Rollup grain read.' };
export const filtersSchema = { type: 'object', additionalProperties: true, description: 'Filters applied.' };

const portDescription = {
  label: str('e.g. 23/TCP'),
  service: str('IANA service name ("" when unassigned).'),
  description: str('IANA description.'),
  note: str('darkscope\'s note on why scanners target the port.'),
};

export const portEntrySchema = {
  type: 'object',
  properties: {
    rank: int('1 = first'), proto: int('IP protocol number'), port: int('destination port'), ...portDescription,
    packets: int('packets'), bytes: int('bytes'), sources: int('unique sources'), destinations: int('unique darknet destinations'),
    share: num('share of all packets in the range, 0..1'),
  },
};

export const sourceMeasuresProperties = {
  packets: int('packets'), bytes: int('bytes'), ports: int('distinct (protocol, port) pairs'), destinations: int('unique darknet destinations'),
  firstSeen: { type: ['string', 'null'], format: 'date-time' }, lastSeen: { type: ['string', 'null'], format: 'date-time' },
  classes: { type: 'object', properties: { scan: int('packets'), backscatter: int('packets'), other: int('packets') } },
  tools: { type: 'array', items: { type: 'string' }, description: 'scan tools recognised' },
  country: str('ISO 3166 alpha-2 ("" unknown)'), asn: int('AS number (0 unknown)'), label: str('label ("" none)'),
};

export const summarySchema = {
  type: 'object',
  properties: {
    range: rangeSchema, grain: grainSchema, filters: filtersSchema,
    totals: { type: 'object', properties: { packets: int('packets'), bytes: int('bytes'), sources: int('unique sources'), destinations: int('unique darknet destinations') } },
    darknet: {
      type: 'object',
      properties: {
        sensors: { type: 'array', items: { type: 'string' } },
        size: { type: ['integer', 'null'], description: 'darknet addresses (null when unknown)' },
        packetsPerAddress: nullableNum('packets per darknet address'),
      },
    },
    research: { type: 'object', properties: { label: { type: 'string' }, packets: int('packets'), share: num('share, ignoring label filters') } },
    classes: { type: 'array', items: { type: 'object', properties: { class: { type: 'string' }, packets: int('packets'), share: num('0..1') } } },
    protocols: { type: 'array', items: { type: 'object', properties: { proto: int('number'), name: { type: 'string' }, packets: int('packets'), share: num('0..1') } } },
    topPorts: {
      type: 'object',
      properties: {
        ports: { type: 'array', items: { type: 'object', properties: { rank: int(''), proto: int(''), port: int(''), ...portDescription, packets: int(''), share: num(''), sources: int('') } } },
        share: num('combined share of the listed ports'), otherShare: num('share of every other port'),
      },
    },
    topCountries: {
      type: 'array',
      items: { type: 'object', properties: { rank: int(''), country: { type: 'string' }, sources: int('unique sources'), packets: int(''), share: num('share of packets') } },
    },
  },
};

export const topPortsSchema = {
  type: 'object',
  properties: {
    range: rangeSchema, grain: grainSchema, by: { type: 'string' }, filters: filtersSchema,
    total: { type: 'object', properties: { packets: int('packets'), sources: int('unique sources') } },
    ports: { type: 'array', items: portEntrySchema },
  },
};

export const portSeriesSchema = {
  type: 'object',
  properties: {
    proto: int(''), port: int(''), ...portDescription, range: rangeSchema, grain: grainSchema,
    interval: { type: 'string', enum: ['1m', '5m', '1h', '1d'] }, filters: filtersSchema,
    total: { type: 'object', properties: { packets: int(''), sources: int('unique sources over the whole range') } },
    rank: { type: ['integer', 'null'], description: 'rank by packets among all ports (null: no packets)' },
    points: { type: 'array', items: { type: 'object', properties: { t: { type: 'string', format: 'date-time' }, packets: int(''), sources: int('') } } },
  },
};

export const topSourcesSchema = {
  type: 'object',
  properties: {
    range: rangeSchema, grain: grainSchema, by: { type: 'string' }, filters: filtersSchema,
    sources: {
      type: 'array',
      items: { type: 'object', properties: { rank: int(''), ip: { type: 'string' }, ipVersion: int('4 or 6'), ...sourceMeasuresProperties } },
    },
  },
};

export const sourceProfileSchema = {
  type: 'object',
  properties: {
    ip: { type: 'string' }, ipVersion: int('4 or 6'), range: rangeSchema, grain: grainSchema, filters: filtersSchema,
    found: { type: 'boolean' },
    totals: { type: 'object', properties: sourceMeasuresProperties },
    ports: {
      type: 'array',
      items: { type: 'object', properties: { proto: int(''), port: int(''), ...portDescription, packets: int(''), firstSeen: { type: 'string' }, lastSeen: { type: 'string' } } },
    },
    timeline: {
      type: 'object',
      properties: {
        interval: { type: 'string', enum: ['1h', '1d'] },
        points: { type: 'array', items: { type: 'object', properties: { t: { type: 'string', format: 'date-time' }, packets: int('') } } },
      },
    },
    fingerprints: {
      type: 'object',
      properties: {
        range: { anyOf: [rangeSchema, { type: 'null' }] },
        top: {
          type: 'array',
          items: {
            type: 'object',
            properties: { ttl: int(''), tcpWindow: int(''), tcpFlags: int(''), tcpFlagsText: { type: 'string' }, tcpOptions: { type: 'boolean' }, packets: int('') },
          },
        },
      },
    },
  },
};

const trendEntrySchema = {
  type: 'object',
  properties: {
    rank: int(''), proto: int(''), port: int(''), ...portDescription,
    recent: { type: 'object', properties: { packets: num('per day'), sources: num('per day'), targets: num('per day') } },
    baseline: { type: 'object', properties: { packets: num('median per day'), sources: num('mean per day'), targets: num('mean per day') } },
    trendScore: nullableNum('DShield trend score (null for new ports)'),
    zScore: num('robust z-score of recent daily packets'),
    reasons: { type: 'array', items: { type: 'string', enum: ['trend', 'zscore', 'new'] } },
  },
};

export const trendsSchema = {
  type: 'object',
  properties: {
    windows: { type: 'object', properties: { baseline: rangeSchema, recent: rangeSchema } },
    grain: grainSchema,
    params: {
      type: 'object',
      properties: {
        recentDays: int(''), baselineDays: int(''), trendThreshold: num(''), zThreshold: num(''),
        minPackets: int(''), minSources: int(''), limit: int(''),
      },
    },
    filters: filtersSchema,
    spikes: { type: 'array', items: trendEntrySchema },
    newPorts: { type: 'array', items: trendEntrySchema },
  },
};

const eventParams = (props: Record<string, unknown>) => ({ type: 'object', description: 'Thresholds applied.', properties: props });

export const scanEventsSchema = {
  type: 'object',
  properties: {
    range: { ...rangeSchema, description: 'Events starting in this range.' },
    params: eventParams({ expirySec: int(''), minAddresses: int(''), strobeMinPorts: int(''), verticalMinPorts: int('') }),
    filters: filtersSchema,
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sensor: str(''), source: str('source address'), ipVersion: int('4 or 6'),
          type: str('horizontal (one port), strobe (several ports, many addresses) or vertical (many ports, few addresses)'),
          proto: int('IP protocol number'), portCount: int('distinct destination ports'),
          ports: { type: 'array', items: { type: 'integer' }, description: 'destination ports, lowest first (at most 50)' },
          portLabel: str('e.g. 23/TCP, or 23/TCP +1 for several ports'),
          start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' },
          durationSec: int('seconds from the first to the last packet'), packets: int(''),
          addresses: int('distinct darknet addresses hit'), rate: num('packets per second at the darknet'),
          ipv4Rate: nullableNum('the rate extrapolated to all of IPv4 (null: darknet size unknown)'),
          ipv4Coverage: nullableNum('estimated share of IPv4 covered, 0..1 (null: darknet size unknown)'),
          tool: str('scan tool recognised in most of its packets (none: no known tool)'),
          label: str(''), country: str(''), asn: int(''),
        },
      },
    },
  },
};

export const dosAttacksSchema = {
  type: 'object',
  properties: {
    range: { ...rangeSchema, description: 'Attacks starting in this range.' },
    params: eventParams({ timeoutSec: int(''), minPackets: int(''), minDurationSec: int(''), minPeakPerMinute: int('') }),
    filters: filtersSchema,
    attacks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sensor: str(''), victim: str('the victim: source of the backscatter'), ipVersion: int('4 or 6'), proto: int('IP protocol number'),
          ports: { type: 'array', items: { type: 'integer' }, description: 'the victim\'s ports in its answers ([] for ICMP)' },
          portCount: int('distinct victim ports'),
          start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' },
          durationSec: int(''), packets: int('backscatter packets'), addresses: int('darknet addresses hit'),
          peakRate: num('highest packets per second in one minute, at the darknet'), meanRate: num('packets per second at the darknet'),
          victimRate: nullableNum('the victim\'s answers per second, extrapolated from the darknet\'s share of IPv4 (null: darknet size unknown)'),
          country: str(''), asn: int(''), label: str(''),
        },
      },
    },
  },
};

export const errorSchema = {
  $id: 'DarkscopeError',
  type: 'object',
  description: 'Every error: a stable code, what happened, and what to do next.',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'hint'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
    },
  },
};

/** Response schemas for a route returning `ok` on 200 (JSON or CSV text). */
export function responses(ok: Record<string, unknown>): Record<string, unknown> {
  return {
    200: { description: 'OK (format=csv returns text/csv instead)', ...ok },
    '4xx': { $ref: 'DarkscopeError#' },
    '5xx': { $ref: 'DarkscopeError#' },
  };
}
