/**
 * Rankings by packets whose measures merge unique-count states (top ports,
 * top sources). The N entries are chosen first from their packet counts
 * alone, and the costly measures are computed for those N only: merging
 * states is what costs, and a month of rollups holds tens of thousands of
 * ports and hundreds of thousands of sources. Ties in packets go to the lower
 * key. GLOBAL IN: on a cluster the entries are chosen once, over every shard,
 * and that list is sent to each shard.
 */
import { sql, type SqlFragment } from '../store/sql.js';
import { PORT_KEY_SQL, type RowsSql } from './rollup-families.js';

/**
 * `key IN (the `limit` values of key with the most packets in rows)`, for
 * `rows.clause([...])`. `keyColumns` are the columns `key` is made of: the
 * ranking reads only those and packets, never a unique-count state.
 */
export function topByPacketsCondition(rows: RowsSql, key: SqlFragment, keyColumns: readonly string[], limit: SqlFragment): SqlFragment {
  return sql`${key} GLOBAL IN (SELECT key FROM (
  SELECT ${key} AS key, sum(packets) AS total
  ${rows.clause([], [...keyColumns, 'packets'])}
  GROUP BY key
  ORDER BY total DESC, key
  LIMIT ${limit}))`;
}

/** Ports by packets; `measures` are the SELECT items after `proto, dport AS port` and must include `packets`. */
export function portsByPacketsSql(rows: RowsSql, measures: SqlFragment, limit: SqlFragment): SqlFragment {
  return sql`SELECT proto, dport AS port, ${measures}
${rows.clause([topByPacketsCondition(rows, PORT_KEY_SQL, ['proto', 'dport'], limit)])}
GROUP BY proto, dport
ORDER BY packets DESC, proto, port`;
}
