/**
 * The rows of a rollup as a query reads them: a stored rollup's table, or
 * for a rollup computed from raw on read (VIRTUAL_ROLLUPS: port_1m,
 * source_1h, activity_1m) its SELECT over every raw packet, in brackets.
 */
import type { StoreClient } from '../../../src/store/client.js';
import { rollupDef, rollupSelect } from '../../../src/store/rollups.js';
import { sql, type SqlFragment } from '../../../src/store/sql.js';

export function rollupRows(store: Pick<StoreClient, 'table'>, name: string): SqlFragment {
  const def = rollupDef(name);
  return def.stored ? store.table(def.table) : sql`(${rollupSelect(def, store.table('packets'))})`;
}
