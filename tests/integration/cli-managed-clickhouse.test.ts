/**
 * The managed local ClickHouse: start/stop/status from a temporary
 * DARKSCOPE_HOME, reuse by a later command, a stale PID file, and the error
 * when no server binary can be found. Runs the built binary as a user would.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-cli.js';

const home = mkdtempSync(join(tmpdir(), 'darkscope-home-'));
// No explicit URL; point the "is something on localhost:8123" probe at nothing by unsetting the URL only.
const env = { DARKSCOPE_HOME: home, DARKSCOPE_CLICKHOUSE_URL: '' };

function run(args: string[], extra: Record<string, string> = {}) {
  const e: Record<string, string> = { ...env, ...extra };
  const r = runBin(args, { env: e });
  return r;
}

afterAll(() => {
  runBin(['clickhouse', 'stop'], { env });
});

describe('darkscope clickhouse start|stop|status', () => {
  it('reports "not running" with exit 3 before anything was started', () => {
    const r = run(['clickhouse', 'status']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^not running \(no server started in .*darkscope-home-.*\/clickhouse\)/);
  });

  it('starts a loopback server, reports it, and a second start reuses it', () => {
    const a = run(['clickhouse', 'start']);
    expect(a.code).toBe(0);
    const url = /ClickHouse started: (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)/.exec(a.stdout);
    expect(url).not.toBeNull();
    const b = run(['clickhouse', 'start']);
    expect(b.stdout).toContain(`ClickHouse already running: ${url![1]} (pid ${url![2]}`);
    const s = run(['clickhouse', 'status']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(`running: ${url![1]} (pid ${url![2]}`);
  });

  it('other commands reuse the running managed server', () => {
    const before = JSON.parse(readFileSync(join(home, 'clickhouse', 'server.json'), 'utf8')) as { pid: number };
    const m = run(['migrate', '--database', 'darkscope_reuse_test']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).not.toContain('started its own');
    const after = JSON.parse(readFileSync(join(home, 'clickhouse', 'server.json'), 'utf8')) as { pid: number };
    expect(after.pid).toBe(before.pid);
  });

  it('stops it, and treats a stale PID file as not running', () => {
    const stop = run(['clickhouse', 'stop']);
    expect(stop.stdout).toMatch(/^ClickHouse stopped \(pid \d+\)/);
    // A state file left behind by a crash, naming a process that is gone.
    writeFileSync(join(home, 'clickhouse', 'server.json'), JSON.stringify({ pid: 2 ** 22 - 3, url: 'http://127.0.0.1:1', httpPort: 1, tcpPort: 2, configPath: join(home, 'clickhouse', 'config.xml'), binary: '/x', startedAt: '2026-01-01T00:00:00Z' }));
    const s = run(['clickhouse', 'status']);
    expect(s.code).toBe(3);
    expect(s.stdout).toMatch(/^not running \(stale record of pid \d+/);
    const again = run(['clickhouse', 'start']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^ClickHouse started:/);
    expect(run(['clickhouse', 'stop']).code).toBe(0);
  });

  it('without any server binary, fails with one line listing the three ways to get one', () => {
    const r = run(['clickhouse', 'start'], { PATH: '', DARKSCOPE_CLICKHOUSE_BIN: '' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^darkscope: DARKSCOPE_E_NO_CLICKHOUSE_BINARY: no ClickHouse server binary found/);
    expect(lines[0]).toContain('apt-get install -y clickhouse-server');
    expect(lines[0]).toContain('DARKSCOPE_CLICKHOUSE_BIN');
    expect(lines[0]).toContain('docker compose');
  });
});
