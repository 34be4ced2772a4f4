/** The lifecycle behind `darkscope clickhouse start|stop|status`, on a second private server. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../src/store/client.js';
import { freePort, readServerState, startLocalServer, stopLocalServer, type LocalServer } from '../support/local-server.js';
import { col } from '../../src/store/row-decoders.js';
import { sql } from '../../src/store/sql.js';

let dir: string;
let server: LocalServer | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'darkscope-ls-'));
});
afterAll(async () => {
  await server?.stop();
  await stopLocalServer(dir);
  await rm(dir, { recursive: true, force: true });
});

describe('local server', () => {
  it('starts detached, records its state, and answers queries in UTC', async () => {
    server = await startLocalServer({ dataDir: join(dir, 'a'), detached: true });
    const state = await readServerState(join(dir, 'a'));
    expect(state).toMatchObject({ pid: server.pid, url: server.url, running: true });
    const store = createStoreClient({ url: server.url, database: 'default' });
    try {
      const rows = await store.query(sql`SELECT timezone() AS tz, version() AS v`, { tz: col.string, v: col.string });
      expect(['UTC', 'Etc/UTC']).toContain(rows[0]?.tz);
    } finally {
      await store.close();
    }
  });

  it('refuses a second server in the same directory', async () => {
    await expect(startLocalServer({ dataDir: join(dir, 'a') })).rejects.toMatchObject({ code: 'DARKSCOPE_E_BAD_CONFIG' });
  });

  it('stops by the recorded pid and forgets the state', async () => {
    const res = await stopLocalServer(join(dir, 'a'));
    expect(res).toEqual({ stopped: true, pid: server?.pid });
    expect(await readServerState(join(dir, 'a'))).toBeNull();
    const ping = await fetch(`${server?.url}/ping`).then(() => 'up', () => 'down');
    expect(ping).toBe('down');
    await server?.stop(); // idempotent
    server = undefined;
  });

  it('refuses a fixed port that is already taken, before starting anything', async () => {
    const { createServer } = await import('node:net');
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const err = await startLocalServer({ dataDir: join(dir, 'b'), httpPort: port }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DARKSCOPE_E_BAD_CONFIG' });
      expect((err as Error).message).toContain(`port ${port}`);
      expect(await readServerState(join(dir, 'b'))).toBeNull();
    } finally {
      blocker.close();
    }
  });

  it('reports a server that dies during startup, with its log', async () => {
    const err = await startLocalServer({ dataDir: join(dir, 'c'), timezone: 'Nowhere/Nothing' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DARKSCOPE_E_CLICKHOUSE_UNREACHABLE' });
    expect((err as Error).message).toContain('exited during startup');
    expect((err as Error).message).toContain('Nowhere/Nothing');
    expect(await readServerState(join(dir, 'c'))).toBeNull();
  });
});
