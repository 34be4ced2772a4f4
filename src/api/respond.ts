/** Sends a query result as JSON, or as CSV when the request asked for format=csv. */
import type { FastifyReply } from 'fastify';
import { toCsv, type Table } from '../query/result-tables.js';

export type Format = 'json' | 'csv';

export function sendResult<R>(reply: FastifyReply, format: Format | undefined, result: R, table: (r: R) => Table, name: string): FastifyReply {
  if (format === 'csv') {
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `inline; filename="${name}.csv"`)
      .send(toCsv(table(result)));
  }
  return reply.send(result);
}
