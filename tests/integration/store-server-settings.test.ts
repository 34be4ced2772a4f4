/**
 * The packets insert carries the settings this server knows: 26.x gets
 * optimize_on_insert = 0 (its default merges every rollup block on insert),
 * 18.16 has no such setting and would reject it. That the rollups still
 * equal raw with it is what ingest-known-answers and ingest-resume check,
 * through this writer, on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/store/batch-writer.js';
import { migrate } from '../../src/store/migrate.js';
import { col } from '../../src/store/row-decoders.js';
import { sql } from '../../src/store/sql.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';

let db: TestDatabase;
let major: number;

beforeAll(async () => {
  db = await freshDatabase('insert_settings', { create: false });
  await migrate(db.store);
  const [v] = await db.store.query(sql`SELECT version() AS v`, { v: col.string });
  major = Number(v.v.split('.')[0]);
}, 120_000);
afterAll(async () => {
  await db.dispose();
});

describe('packets insert settings', () => {
  it('sends optimize_on_insert = 0 exactly where the server has the setting', async () => {
    const settings = await new BatchWriter(db.store).insertSettings();
    expect(settings.parallel_view_processing).toBe(1);
    if (major >= 21) expect(settings.optimize_on_insert).toBe(0);
    if (major <= 19) expect(settings).not.toHaveProperty('optimize_on_insert');
  });
});
