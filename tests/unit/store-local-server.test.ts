import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findClickHouseBinary, logTail, readServerState, startLocalServer, renderServerConfig, renderUsersConfig, stopLocalServer } from '../support/local-server.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'darkscope-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fakeBinary(sub: string, name: string): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, sub), { recursive: true });
  const path = join(dir, sub, name);
  await writeFile(path, '#!/bin/sh\nexit 0\n');
  await chmod(path, 0o755);
  return path;
}

describe('renderServerConfig', () => {
  const xml = renderServerConfig({ dir: '/tmp/x', displayName: 'darkscope-test', httpPort: 1, tcpPort: 2, interserverPort: 3, timezone: 'UTC' });
  it('keeps every path inside the directory', () => {
    expect(xml).not.toMatch(/\/var\//);
    expect(xml).toContain('<path>/tmp/x/data/</path>');
    expect(xml).toContain('<log>/tmp/x/log/server.log</log>');
  });
  it('listens on loopback only, on the given ports', () => {
    expect(xml).toContain('<listen_host>127.0.0.1</listen_host>');
    expect(xml).toContain('<http_port>1</http_port>');
    expect(xml).toContain('<tcp_port>2</tcp_port>');
    expect(xml).toContain('<interserver_http_port>3</interserver_http_port>');
  });
  it('users config has no /var either', () => {
    expect(renderUsersConfig()).not.toMatch(/\/var\//);
  });
});

describe('findClickHouseBinary', () => {
  it('uses an explicit binary, with `server` for the single binary', async () => {
    const single = await fakeBinary('a', 'clickhouse');
    expect(await findClickHouseBinary({ bin: single, env: { PATH: '' } })).toEqual({ path: single, args: ['server'] });
    const server = await fakeBinary('a', 'clickhouse-server');
    expect(await findClickHouseBinary({ bin: server, env: { PATH: '' } })).toEqual({ path: server, args: [] });
  });
  it('prefers clickhouse over clickhouse-server on PATH', async () => {
    const s = await fakeBinary('b1', 'clickhouse-server');
    const c = await fakeBinary('b2', 'clickhouse');
    expect(await findClickHouseBinary({ env: { PATH: `${join(dir, 'b1')}:${join(dir, 'b2')}` } })).toEqual({ path: c, args: ['server'] });
    expect(await findClickHouseBinary({ env: { PATH: join(dir, 'b1') } })).toEqual({ path: s, args: [] });
  });
  it('fails with NO_CLICKHOUSE_BINARY naming the three ways to get one for a missing explicit binary', async () => {
    const err = await findClickHouseBinary({ bin: join(dir, 'nope', 'clickhouse'), env: { PATH: '' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DARKSCOPE_E_NO_CLICKHOUSE_BINARY' });
    const message = (err as Error).message;
    expect(message).toContain('apt-get');
    expect(message).toContain('DARKSCOPE_CLICKHOUSE_BIN');
    expect(message).toContain('docker compose');
  });
});

describe('server state', () => {
  it('reports no state for a directory without a server', async () => {
    expect(await readServerState(join(dir, 'empty'))).toBeNull();
    expect(await stopLocalServer(join(dir, 'empty'))).toEqual({ stopped: false });
  });
  it('does not treat a recorded pid that is some other program as running', async () => {
    const d = join(dir, 'stale');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'server.json'), JSON.stringify({
      pid: process.pid, url: 'http://127.0.0.1:1', httpPort: 1, tcpPort: 2, configPath: join(d, 'config.xml'), binary: 'x', startedAt: '',
    }));
    const state = await readServerState(d);
    expect(state?.running).toBe(false);
    expect(await stopLocalServer(d)).toEqual({ stopped: false, pid: process.pid });
    expect(await readServerState(d)).toBeNull();
  });
});

describe('logTail', () => {
  it("shows this start's errors only, without stack frames", async () => {
    const d = join(dir, 'logs');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(d, 'log'), { recursive: true });
    const earlier = [
      '2026.11.23 23:14:14.526226 [ 1218 ] {} <Error> HTTPHandler: Cannot write to ostream at offset 2247, Stack trace:',
      '0. /usr/bin/clickhouse(StackTrace::StackTrace()+0x16) [0x7f]',
      '',
    ].join('\n');
    const now = [
      '2026.11.23 23:21:52.000001 [ 1 ] {} <Error> Application: DB::Exception: Listen [127.0.0.1]:40179 failed: Address already in use, Stack trace:',
      '0. /usr/bin/clickhouse(StackTrace::StackTrace()+0x16) [0x7f]',
      '12. /lib/x86_64-linux-gnu/libc.so.6(+0x1098ec) [0x7fe2c7d278ec]',
      '',
    ].join('\n');
    await writeFile(join(d, 'log', 'server.err.log'), earlier + now);
    await writeFile(join(d, 'log', 'stderr.log'), 'Logging errors to server.err.log\n');
    const tailText = await logTail(d, 15, { 'server.err.log': Buffer.byteLength(earlier) });
    expect(tailText).toBe([
      '--- log/stderr.log', 'Logging errors to server.err.log',
      '--- log/server.err.log', now.split('\n')[0],
    ].join('\n'));
    // Without an offset the whole file counts (e.g. reading the log of a server that runs).
    expect(await logTail(d)).toContain('Cannot write to ostream');
    expect(await logTail(join(dir, 'nothing'))).toBe('(the server wrote no log)');
  });

  it('a failed start quotes what that start wrote, not what an earlier run left in the error log', async () => {
    const d = join(dir, 'failing');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(d, 'log'), { recursive: true });
    await writeFile(join(d, 'log', 'server.err.log'), '<Error> HTTPHandler: an old error of an earlier run\n');
    const bin = join(dir, 'failing-bin', 'clickhouse-server');
    await mkdir(join(dir, 'failing-bin'), { recursive: true });
    await writeFile(bin, `#!/bin/sh\necho '<Error> Application: this start failed' >> '${join(d, 'log', 'server.err.log')}'\nexit 70\n`);
    await chmod(bin, 0o755);
    const err = await startLocalServer({ dataDir: d, bin, env: { PATH: '' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DARKSCOPE_E_CLICKHOUSE_UNREACHABLE' });
    expect((err as Error).message).toMatch(/exited during startup \(code 70\)/);
    expect((err as Error).message).toContain('this start failed');
    expect((err as Error).message).not.toContain('an old error');
  });
});
