/**
 * How the API answers errors: always `{ "error": { code, message, hint } }`
 * with the code's HTTP status. Client errors (4xx) say what was wrong with
 * the request; server errors (5xx) get a fixed public message per code, so no
 * SQL, server address or stack trace ever reaches a response body (the full
 * error goes to the log, with the request id).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DarkscopeError, ErrorCodes, isDarkscopeError } from '../errors.js';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly hint: string };
}

const PUBLIC_5XX: Readonly<Record<string, string>> = {
  [ErrorCodes.CLICKHOUSE_TIMEOUT.code]: 'the query did not finish within the time the server allows',
  [ErrorCodes.QUERY_LIMIT.code]: 'the query exceeded a server limit (result rows or memory)',
  [ErrorCodes.CLICKHOUSE_UNREACHABLE.code]: 'the database is not reachable',
  [ErrorCodes.CLICKHOUSE_AUTH.code]: 'the database refused the API\'s credentials',
  [ErrorCodes.SCHEMA.code]: 'the database schema is missing or out of date',
  [ErrorCodes.SHUTTING_DOWN.code]: 'the server is shutting down',
  [ErrorCodes.WEB_NOT_BUILT.code]: 'the web view is not built on this server',
};

export function errorBody(e: DarkscopeError): ErrorBody {
  const message = e.status >= 500 ? PUBLIC_5XX[e.code] ?? 'internal error' : e.message;
  return { error: { code: e.code, message, hint: e.hint } };
}

interface ValidationIssue {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** A fastify validation failure as one readable sentence naming the parameter. */
export function validationMessage(context: string | undefined, issues: readonly ValidationIssue[]): string {
  const v = issues[0] ?? {};
  const where = context ?? 'request';
  if (v.keyword === 'additionalProperties') {
    return `unknown ${where} parameter "${String(v.params?.additionalProperty)}"`;
  }
  const name = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const allowed = v.keyword === 'enum' && Array.isArray(v.params?.allowedValues) ? `: ${(v.params.allowedValues as unknown[]).join(', ')}` : '';
  return `${where} parameter ${name === '' ? '' : `"${name}" `}${v.message ?? 'is invalid'}${allowed}`;
}

/** Anything thrown in a request → the DarkscopeError the client sees. */
export function toApiError(err: unknown): DarkscopeError {
  if (isDarkscopeError(err)) return err;
  const fe = err as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    return new DarkscopeError('BAD_REQUEST', validationMessage(fe.validationContext, fe.validation));
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 404) return new DarkscopeError('NOT_FOUND', 'not found');
  if (status === 429) return new DarkscopeError('RATE_LIMITED', 'too many requests');
  if (status >= 400 && status < 500) {
    // fastify's own client errors (bad content type, body too large, ...): their messages name no internals.
    return new DarkscopeError('BAD_REQUEST', String(fe.message ?? 'bad request'), { status });
  }
  return new DarkscopeError('INTERNAL', err instanceof Error ? err.message : String(err), {}, { cause: err });
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toApiError(err);
  const status = typeof e.details.status === 'number' ? e.details.status : e.status;
  if (status >= 500) {
    request.log.error({ code: e.code, err, route: request.routeOptions.url }, 'request failed');
  } else {
    request.log.info({ code: e.code, status, route: request.routeOptions.url }, e.message);
  }
  return reply.status(status).type('application/json; charset=utf-8').send(errorBody(e));
}
