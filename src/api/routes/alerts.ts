/**
 * GET /api/v1/alerts: the alerts firing now and the recent notified
 * transitions (newest first, with each target's delivery status), from the
 * evaluator that `darkscope serve --alerts alerts.yaml` runs. Without
 * --alerts it answers 404 (DARKSCOPE_E_NOT_FOUND) saying so, and the route is
 * left out of /openapi.json.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AlertEvaluator } from '../../alerts/evaluator.js';
import { DarkscopeError } from '../../errors.js';
import { querystring, responses } from '../schemas.js';

const str = (description: string) => ({ type: 'string', description });
const int = (description: string) => ({ type: 'integer', description });
const num = (description: string) => ({ type: 'number', description });
const range = { type: 'object', properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } } };
const daily = (what: string) => ({ type: 'object', properties: { packets: num(`${what} packets`), sources: num(`${what} sources`), targets: num(`${what} targets`) } });

export const alertSchema = {
  type: 'object',
  properties: {
    id: str('Stable id: <rule>:<port>/<proto>, e.g. port-spike:23/tcp'),
    rule: str('Rule name in alerts.yaml'),
    kind: { type: 'string', enum: ['spike', 'newPort'] },
    state: { type: 'string', enum: ['firing', 'resolved'] },
    proto: int('IP protocol number'), port: int('destination port'), label: str('e.g. 23/TCP'), service: str('IANA service name'),
    scores: {
      type: 'object',
      properties: {
        trendScore: { type: ['number', 'null'], description: 'DShield trend score (null for new ports)' },
        zScore: num('robust z-score of recent daily packets'),
        reasons: { type: 'array', items: { type: 'string', enum: ['trend', 'zscore', 'new'] } },
      },
    },
    recent: daily('mean daily'),
    baseline: daily('baseline daily (median packets, mean sources and targets)'),
    window: { type: 'object', properties: { baseline: range, recent: range, grain: { type: 'string', enum: ['minute', 'hour', 'day'] } } },
    filters: { type: 'object', additionalProperties: true, description: 'The rule\'s filters.' },
    firedAt: { type: 'string', format: 'date-time', description: 'First evaluation of this episode that listed the port' },
    lastSeenAt: { type: 'string', format: 'date-time', description: 'Last evaluation that listed the port' },
    resolvedAt: { type: ['string', 'null'], format: 'date-time' },
    link: { type: ['string', 'null'], description: 'Grafana port drill-down (null without grafana in alerts.yaml)' },
  },
};

const historyEntrySchema = {
  type: 'object',
  properties: {
    seq: int('1, 2, 3, ... since the server started'),
    at: { type: 'string', format: 'date-time' },
    event: { type: 'string', enum: ['firing', 'resolved'] },
    repeat: int('0: first firing of an episode (or its resolution); n: n-th reminder after the cooldown'),
    alert: alertSchema,
    deliveries: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          target: str('target name'), type: { type: 'string', enum: ['webhook', 'log'] },
          status: { type: 'string', enum: ['pending', 'sent', 'failed'] }, attempts: int(''),
          reason: { type: ['string', 'null'], description: 'timeout, network, http_status, queue_full, shutdown' },
        },
      },
    },
  },
};

const ruleOutcome = {
  type: 'object',
  properties: { rule: str(''), ok: { type: 'boolean' }, listed: int('ports the query listed'), error: { type: ['string', 'null'], description: 'error code' } },
};

export const alertsSchema = {
  type: 'object',
  properties: {
    evaluation: {
      type: 'object',
      properties: {
        interval: str('e.g. 5m'), started: { type: 'boolean' }, running: { type: 'boolean' },
        evaluations: int('evaluations completed'), skipped: int('ticks skipped because the previous evaluation was still running'),
        pendingDeliveries: int('notifications waiting or in flight'),
        last: {
          type: ['object', 'null'],
          properties: {
            at: { type: 'string', format: 'date-time' }, ms: int(''), outcome: { type: 'string', enum: ['ok', 'partial', 'error'] },
            rules: { type: 'array', items: ruleOutcome }, transitions: int(''), deduplicated: int('firing alerts seen again within their cooldown'),
          },
        },
      },
    },
    firing: { type: 'array', items: alertSchema },
    recent: { type: 'array', items: historyEntrySchema },
  },
};

export const alertRoutes: FastifyPluginAsync<{ alerts: AlertEvaluator | null }> = async (app, { alerts }) => {
  if (alerts === null) {
    // Not in /openapi.json when serve runs without --alerts; a clear 404 instead of "no route".
    app.get('/alerts', { schema: { hide: true } }, async () => {
      throw new DarkscopeError('NOT_FOUND', 'alerts are not enabled on this server: start it with `darkscope serve --alerts alerts.yaml`');
    });
    return;
  }
  app.get<{ Querystring: { limit: number } }>('/alerts', {
    schema: {
      tags: ['alerts'],
      summary: 'Alerts firing now and recent alert notifications (serve --alerts alerts.yaml)',
      querystring: querystring({
        limit: { type: 'integer', minimum: 1, maximum: 100_000, default: 100, description: 'Recent entries to return, newest first (default 100; the history keeps historySize).' },
      }),
      response: responses(alertsSchema),
    },
  }, async (request) => ({ evaluation: alerts.status(), firing: alerts.firing(), recent: alerts.recent(request.query.limit) }));
};
