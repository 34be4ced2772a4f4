import { describe, expect, it } from 'vitest';
import { intOption } from '../../src/cli/commands/query-options.js';
import { commandLogLevel, loadConfig } from '../../src/config.js';
import { parseIntegerOption } from '../../src/integer-option.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/store/client.js';
import { DEFAULT_MINUTE_DAYS, DEFAULT_RAW_DAYS } from '../../src/store/retention.js';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig({ HOME: '/home/u' });
    expect(c.clickhouse).toMatchObject({ url: 'http://localhost:8123', explicitUrl: null, database: 'darkscope', username: 'default', password: '' });
    expect(c.ingest).toMatchObject({ sensor: 'default', batchRows: 200_000, batchAgeMs: 1000, maxInFlight: 2, enrich: true, labelFiles: [], darknets: [] });
    expect(c.retention).toEqual({ rawDays: 30, minuteDays: 14 });
    expect(c.home).toBe('/home/u/.local/share/darkscope');
    expect(Object.isFrozen(c.ingest)).toBe(true);
  });

  it('command line beats environment; lists split on commas', () => {
    const c = loadConfig({ DARKSCOPE_DATABASE: 'env_db', DARKSCOPE_LABELS: 'a.txt, b.txt', DARKSCOPE_BATCH_ROWS: '5000' }, { database: 'flag_db' });
    expect(c.clickhouse.database).toBe('flag_db');
    expect(c.ingest.labelFiles).toEqual(['a.txt', 'b.txt']);
    expect(c.ingest.batchRows).toBe(5000);
  });

  it('rejects bad values with exact messages naming the setting', () => {
    const msg = (env: Record<string, string>, o = {}) => { try { loadConfig(env, o); return ''; } catch (e) { return (e as Error).message; } };
    expect(msg({ DARKSCOPE_BATCH_ROWS: '0' })).toBe('"DARKSCOPE_BATCH_ROWS" value 0 is less than min allowed 1');
    expect(msg({}, { maxInFlight: '99' })).toBe('--max-in-flight value 99 is more than max allowed 16');
    expect(msg({ DARKSCOPE_RETENTION_RAW_DAYS: 'ten' })).toBe('"DARKSCOPE_RETENTION_RAW_DAYS" value "ten" is not an integer');
    expect(msg({ DARKSCOPE_CLICKHOUSE_URL: 'localhost:8123' })).toBe('ClickHouse URL "localhost:8123" must use http or https (the HTTP interface, port 8123 by default)');
    expect(msg({}, { database: 'my-db' })).toBe('database name "my-db" must match ^[A-Za-z_][A-Za-z0-9_]{0,62}$');
    expect(msg({}, { sensor: 'a b' })).toBe('sensor name "a b" must be 1-64 characters of letters, digits, _ . : -');
  });

  it('reads the live-sensor options: --watch timing, --after, metrics', () => {
    const d = loadConfig({});
    expect(d.ingest).toMatchObject({ quietMs: 30_000, pollMs: 2_000, after: { kind: 'keep' }, metrics: null });
    const c = loadConfig({ DARKSCOPE_AFTER: 'delete', DARKSCOPE_METRICS_PORT: '9464', DARKSCOPE_QUIET_MS: '5000' }, { after: 'move:/srv/done', pollMs: '250' });
    expect(c.ingest).toMatchObject({ quietMs: 5_000, pollMs: 250, after: { kind: 'move', dir: '/srv/done' }, metrics: { host: '127.0.0.1', port: 9464 } });
    expect(loadConfig({ DARKSCOPE_AFTER: 'delete' }).ingest.after).toEqual({ kind: 'delete' });
    expect(loadConfig({}, { metricsPort: '0', metricsHost: '::' }).ingest.metrics).toEqual({ host: '::', port: 0 });
    const msg = (env: Record<string, string>, o = {}) => { try { loadConfig(env, o); return ''; } catch (e) { return (e as Error).message; } };
    expect(msg({}, { quietMs: '10' })).toBe('--quiet-ms value 10 is less than min allowed 100');
    expect(msg({ DARKSCOPE_POLL_MS: 'often' })).toBe('"DARKSCOPE_POLL_MS" value "often" is not an integer');
    expect(msg({ DARKSCOPE_AFTER: 'shred' })).toBe('"DARKSCOPE_AFTER" value "shred" must be keep, delete or move:DIR (e.g. move:/var/spool/darknet/done)');
    expect(msg({}, { metricsPort: '70000' })).toBe('--metrics-port value 70000 is more than max allowed 65535');
    expect(msg({}, { metricsPort: '9464', metricsHost: 'bad host' })).toBe('metrics host "bad host" must be an address or host name (e.g. 127.0.0.1, 0.0.0.0, ::)');
  });

  it('a command that prints its own summary logs at warn unless a level is asked for, info included', () => {
    expect(commandLogLevel(loadConfig({}))).toBe('warn');
    expect(loadConfig({}).logLevel).toBe('info'); // serve's level
    expect(commandLogLevel(loadConfig({}, { logLevel: 'info' }))).toBe('info');
    expect(commandLogLevel(loadConfig({ DARKSCOPE_LOG_LEVEL: 'info' }))).toBe('info');
    expect(commandLogLevel(loadConfig({ DARKSCOPE_LOG_LEVEL: 'debug' }, { logLevel: 'error' }))).toBe('error');
    expect(commandLogLevel(loadConfig({}), 'silent')).toBe('silent');
  });

  it('takes each default from the one module that defines it', () => {
    const c = loadConfig({});
    expect(c.clickhouse.requestTimeoutMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(c.retention).toEqual({ rawDays: DEFAULT_RAW_DAYS, minuteDays: DEFAULT_MINUTE_DAYS });
  });

  it('reads every integer option one way, flags, variables and query options alike', () => {
    const msg = (f: () => unknown) => { try { f(); return ''; } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } };
    expect(parseIntegerOption(' 42 ', '--x', 0, 100)).toBe(42);
    expect(msg(() => parseIntegerOption('4.5', '--x', 0, 100))).toBe('DARKSCOPE_E_BAD_CONFIG: --x value "4.5" is not an integer');
    expect(msg(() => intOption({ topPorts: '0' }, 'topPorts', 'top-ports', 1, 10_000))).toBe('DARKSCOPE_E_BAD_REQUEST: --top-ports value 0 is less than min allowed 1');
    expect(msg(() => intOption({ topPorts: '1e3' }, 'topPorts', 'top-ports', 1, 10_000))).toBe('DARKSCOPE_E_BAD_REQUEST: --top-ports value "1e3" is not an integer');
    expect(intOption({}, 'topPorts', 'top-ports', 1, 10_000)).toBeUndefined();
    expect(msg(() => loadConfig({}, { batchRows: 'x' }))).toBe('DARKSCOPE_E_BAD_CONFIG: --batch-rows value "x" is not an integer');
  });
});
