/**
 * darkscope's embedded ClickHouse as a user meets it: start/stop/status from
 * a temporary DARKSCOPE_HOME, reuse by a later command, the supervisor
 * restarting an engine killed with SIGKILL, and the HTTP interface spoken to
 * as curl would (basic auth, errors, no multi-statements, INSERT data never
 * run as SQL). Runs the built binary.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSynthCapture } from '../../src/synth/generator.js';
import { runBin } from '../helpers/run-cli.js';

const home = mkdtempSync(join(tmpdir(), 'darkscope-home-'));
const env = { DARKSCOPE_HOME: home, DARKSCOPE_CLICKHOUSE_URL: '' };
const run = (args: string[]) => runBin(args, { env });

interface State { supervisorPid: number; enginePid: number; url: string; restarts: number; status: string }
const state = (): State => JSON.parse(readFileSync(join(home, 'engine', 'state.json'), 'utf8')) as State;
const password = (): string => (JSON.parse(readFileSync(join(home, 'engine', 'credentials.json'), 'utf8')) as { password: string }).password;

async function sql(query: string, body?: string, auth = `default:${password()}`): Promise<{ status: number; text: string; code: string | null }> {
  const url = new URL(state().url);
  if (body !== undefined) url.searchParams.set('query', query);
  const res = await fetch(url, {
    method: 'POST',
    body: body ?? query,
    headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
  });
  return { status: res.status, text: await res.text(), code: res.headers.get('x-clickhouse-exception-code') };
}

afterAll(() => {
  run(['clickhouse', 'stop']);
});

describe('darkscope clickhouse start|stop|status (embedded engine)', () => {
  it('reports "not running" with exit 3 before anything was started', () => {
    const r = run(['clickhouse', 'status']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^not running \(no store started in .*darkscope-home-.*\/engine\)/);
  });

  it('starts the engine on loopback, reports it, and a second start reuses it', () => {
    const a = run(['clickhouse', 'start']);
    expect(a.code, a.stderr).toBe(0);
    const m = /embedded ClickHouse (26\.\d+\.\d+\.\d+) started: (http:\/\/127\.0\.0\.1:\d+) \(supervisor pid (\d+)/.exec(a.stdout);
    expect(m, a.stdout).not.toBeNull();
    const b = run(['clickhouse', 'start']);
    expect(b.stdout).toContain(`already running: ${m![2]} (supervisor pid ${m![3]}`);
    const s = run(['clickhouse', 'status']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(`running: ${m![2]} (ClickHouse ${m![1]}, supervisor pid ${m![3]}`);
  });

  it('other commands reuse the running engine', () => {
    const before = state();
    const r = run(['migrate', '--database', 'darkscope_reuse_test']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('started darkscope');
    expect(state().supervisorPid).toBe(before.supervisorPid);
    expect(state().enginePid).toBe(before.enginePid);
  });

  it('speaks ClickHouse HTTP to curl-like clients: auth, errors with codes, one statement per request', async () => {
    expect((await sql('SELECT 1 + 1')).text).toBe('2\n');
    const wrong = await sql('SELECT 1', undefined, 'default:wrong');
    expect(wrong.status).toBe(403);
    expect(wrong.code).toBe('516');
    const missing = await sql('SELECT * FROM darkscope_reuse_test.nosuch');
    expect(missing.status).toBe(404);
    expect(missing.code).toBe('60');
    expect(missing.text).toMatch(/^Code: 60\. DB::Exception: .*UNKNOWN_TABLE/);
    const multi = await sql('SELECT 1; DROP DATABASE darkscope_reuse_test');
    expect(multi.code).toBe('62');
    expect(multi.text).toContain('Multi-statements are not allowed');
    expect((await sql("EXISTS DATABASE darkscope_reuse_test")).text).toBe('1\n');
  });

  it('INSERT data is data: a blank line followed by SQL is not run', async () => {
    expect((await sql('CREATE TABLE darkscope_reuse_test.victim (s String) ENGINE = MergeTree ORDER BY s')).status).toBe(200);
    const body = '{"s":"a"}\n\nDROP TABLE darkscope_reuse_test.victim\n';
    const r = await sql('INSERT INTO darkscope_reuse_test.victim FORMAT JSONEachRow', body);
    expect(r.status).not.toBe(200); // the second "row" is not JSON: the insert fails as a whole
    expect((await sql('EXISTS TABLE darkscope_reuse_test.victim')).text).toBe('1\n');
    const ok = await sql('INSERT INTO darkscope_reuse_test.victim FORMAT TabSeparated', 'x\ny\n');
    expect(ok.status, ok.text).toBe(200);
    expect((await sql('SELECT count() FROM darkscope_reuse_test.victim')).text).toBe('2\n');
  });

  it('restarts an engine killed with SIGKILL, on the same port, with the data kept', async () => {
    const before = state();
    process.kill(before.enginePid, 'SIGKILL');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const s = state();
      if (s.status === 'ready' && s.enginePid !== before.enginePid) break;
      await sleep(200);
    }
    const after = state();
    expect(after.enginePid).not.toBe(before.enginePid);
    expect(after.supervisorPid).toBe(before.supervisorPid);
    expect(after.url).toBe(before.url);
    expect(after.restarts).toBe(before.restarts + 1);
    expect((await sql('SELECT count() FROM darkscope_reuse_test.victim')).text).toBe('2\n');
  });

  it('stops it; status then says so, and the next command starts it again', () => {
    const stop = run(['clickhouse', 'stop']);
    expect(stop.stdout).toMatch(/^embedded ClickHouse stopped \(supervisor pid \d+\)/);
    const s = run(['clickhouse', 'status']);
    expect(s.code).toBe(3);
    expect(s.stdout).toMatch(/^not running \(last stopped; data in /);
    const m = run(['migrate', '--database', 'darkscope_reuse_test']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toContain("started darkscope's embedded ClickHouse");
    expect(run(['clickhouse', 'stop']).code).toBe(0);
  });

  it('cat capture.pcap | darkscope ingest --sensor s - starts the engine and stores exactly the capture\'s packets', async () => {
    // The engine is started by a process whose standard input is the capture
    // (a pipe): the engine must not read it, the ingest must read all of it.
    const file = join(home, 'piped.pcap');
    const truth = await writeSynthCapture(file, { packets: 20_000, seed: 12, startSec: Date.UTC(2024, 5, 1) / 1000, durationSec: 6 * 3600 });
    const r = runBin(['ingest', '--sensor', 'piped', '--database', 'darkscope_reuse_test', '-'], { env, input: readFileSync(file) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("started darkscope's embedded ClickHouse");
    expect(r.stderr).toMatch(new RegExp(`packets read ${truth.packets}, stored ${truth.packets}, skipped 0`));
    const stored = await sql("SELECT count(), uniqExact(batch_key, record_index) FROM darkscope_reuse_test.packets WHERE sensor = 'piped' FORMAT TSV");
    expect(stored.text).toBe(`${truth.packets}\t${truth.packets}\n`);
  }, 120_000);
});
