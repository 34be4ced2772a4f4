/**
 * A fresh, uniquely named database per test file, on the harness's server:
 *
 *   const db = await freshDatabase('rollups');       // darkscope_test_rollups_3f9a1c2e
 *   afterAll(() => db.dispose());                     // drops it and closes the client
 *
 * Destructive helpers refuse any database whose name does not start with
 * `darkscope_test_`, so a mistyped URL or name can never touch real data.
 */

import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createStoreClient, type StoreClient } from '../../../src/store/client.js';
import { sql, sqlIdent } from '../../../src/store/sql.js';

export const TEST_DB_PREFIX = 'darkscope_test_';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly store: StoreClient;
  /** Drops the database and closes the client. */
  dispose(): Promise<void>;
}

export function clickhouseUrl(): string {
  return inject('clickhouseUrl');
}

export function assertTestDatabase(name: string): void {
  if (!name.startsWith(TEST_DB_PREFIX)) {
    throw new Error(`refusing a destructive test helper on database ${JSON.stringify(name)}: its name does not start with ${TEST_DB_PREFIX}`);
  }
}

export function testDatabaseName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 40);
  return `${TEST_DB_PREFIX}${clean}_${randomBytes(4).toString('hex')}`;
}

/** A client for a new uniquely named database; `create: false` leaves creating it to the test (e.g. migrate). */
export async function freshDatabase(prefix: string, options: { create?: boolean } = {}): Promise<TestDatabase> {
  const name = testDatabaseName(prefix);
  const url = clickhouseUrl();
  // Generous timeout: on a loaded 2-core machine DROP DATABASE waits for merges of many small parts.
  const store = createStoreClient({ url, database: name, requestTimeoutMs: 180_000 });
  if (options.create ?? true) await store.command(sql`CREATE DATABASE ${sqlIdent(name)}`);
  return {
    name,
    url,
    store,
    async dispose() {
      try {
        await dropTestDatabase(store, name);
      } finally {
        await store.close();
      }
    },
  };
}

export async function dropTestDatabase(store: StoreClient, name: string): Promise<void> {
  assertTestDatabase(name);
  await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(name)}`);
}

export async function truncateTestTable(store: StoreClient, table: string): Promise<void> {
  assertTestDatabase(store.database);
  await store.command(sql`TRUNCATE TABLE ${store.table(table)}`);
}
