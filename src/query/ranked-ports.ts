/**
 * Ports ranked by packets, with measures that merge unique-count states.
 * The ports are chosen first from their packet counts alone, and the states
 * are merged for those ports only: merging states is what costs, and a month
 * of rollups holds tens of thousands of ports. Ties in packets go to the lower
 * protocol number, then the lower port. GLOBAL IN: on a cluster the ports are
 * chosen once, over every shard, and that list is sent to each shard.
 */
import { sql, type SqlFragment } from '../store/sql.js';
import { PORT_KEY_SQL, type RowsSql } from './tables.js';

/** `measures` are the SELECT items after `proto, dport AS port`; they must include `packets`. */
export function portsByPacketsSql(rows: RowsSql, measures: SqlFragment, limit: SqlFragment): SqlFragment {
  return sql`SELECT proto, dport AS port, ${measures}
FROM ${rows.from}
${rows.where([sql`${PORT_KEY_SQL} GLOBAL IN (SELECT key FROM (
  SELECT ${PORT_KEY_SQL} AS key, sum(packets) AS total
  FROM ${rows.from}
  ${rows.where()}
  GROUP BY key
  ORDER BY total DESC, key
  LIMIT ${limit}))`])}
GROUP BY proto, dport
ORDER BY packets DESC, proto, port`;
}
