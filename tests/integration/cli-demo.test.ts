/**
 * `darkscope demo --no-serve` as a newcomer runs it: a fresh DARKSCOPE_HOME,
 * no ClickHouse URL (darkscope starts its own server), the built binary.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-cli.js';

const env = { DARKSCOPE_HOME: mkdtempSync(join(tmpdir(), 'darkscope-demo-')), DARKSCOPE_CLICKHOUSE_URL: '' };

afterAll(() => {
  runBin(['clickhouse', 'stop'], { env });
});

describe('darkscope demo --no-serve', () => {
  it('generates, ingests, reports 23/TCP on top and 37215/TCP among the trends', () => {
    const r = runBin(['demo', '--no-serve'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/started darkscope's embedded ClickHouse at http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stderr).toMatch(/packets read 400000, stored 400000, skipped 0/);
    // The report: 23/TCP is the first of the top ports.
    const top = /Top 10 destination ports[\s\S]*?\n\s+1\s+(\S+)/.exec(r.stdout);
    expect(top?.[1]).toBe('23/TCP');
    expect(r.stdout).toMatch(/Research scans\s+[5-7]\.\d% of packets/);
    // The trends: 37215/TCP appears as a new port (silent in the baseline days).
    const newPorts = r.stdout.slice(r.stdout.indexOf('New ports ('));
    expect(newPorts).toMatch(/^New ports \(\d+\)/);
    expect(newPorts).toContain('37215/TCP');
    expect(r.stdout).not.toMatch(/Spikes \(\d+\)[\s\S]*23\/TCP[\s\S]*New ports/);
  }, 180_000);
});
