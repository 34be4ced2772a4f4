/** The ingest's Prometheus metrics, driven through the observer as the pipeline and the watcher drive it. */
import { describe, expect, it } from 'vitest';
import { DarkscopeError } from '../../src/errors.js';
import { createIngestMetrics } from '../../src/ingest/ingest-metrics.js';
import { newInputStats } from '../../src/ingest/input/index.js';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ingest metrics', () => {
  it('counts packets, inserts, files and skips by reason, with the lag from the newest stored packet', async () => {
    let nowMs = 1_700_000_100_000;
    const m = createIngestMetrics({ defaultMetrics: false, now: () => nowMs });
    const before = await m.registry.metrics();
    expect(value(before, 'darkscope_ingest_lag_seconds')).toBeNaN();
    expect(value(before, 'darkscope_ingest_files_total{outcome="failed"}')).toBe(0);

    const o = m.observer;
    const spec = { name: 'a.pcap', kind: 'file' as const, size: 10 };
    o.inputStart?.(spec, 0);
    const stats = newInputStats('a.pcap', 'pcap', false);
    stats.records = 120;
    stats.skipped = { truncated_ip_header: 3 };
    o.reading?.(stats);
    o.batchStored?.({ input: 'a.pcap', rows: 100, alreadyStored: 17, retries: 0, ms: 250, maxTsSec: 1_700_000_000 });
    // Read while running: the live input's counts show before it ends.
    const live = await m.registry.metrics();
    expect(value(live, 'darkscope_ingest_records_read_total')).toBe(120);
    expect(value(live, 'darkscope_ingest_packets_skipped_total{reason="truncated_ip_header"}')).toBe(3);
    stats.records = 200;
    stats.skipped = { truncated_ip_header: 5, bad_summary_line: 1 };
    o.inputEnd?.(stats, { name: 'a.pcap', stored: 100, alreadyStored: 17, batches: 1, retries: 0, resumedFrom: 0 });
    o.fileDone?.('a.pcap', { kind: 'already', reason: 'already ingested' });
    o.fileFailed?.('b.pcap', new DarkscopeError('BAD_CAPTURE', 'not a capture'), null);
    o.retry?.(new DarkscopeError('CLICKHOUSE_UNREACHABLE', 'down'), 1, 100);
    o.waiting?.(4);
    nowMs += 60_000;
    const text = await m.registry.metrics();
    expect(value(text, 'darkscope_ingest_packets_stored_total')).toBe(100);
    expect(value(text, 'darkscope_ingest_packets_already_stored_total')).toBe(17);
    expect(value(text, 'darkscope_ingest_inserts_total')).toBe(1);
    expect(value(text, 'darkscope_ingest_records_read_total')).toBe(200);
    expect(value(text, 'darkscope_ingest_packets_skipped_total{reason="truncated_ip_header"}')).toBe(5);
    expect(value(text, 'darkscope_ingest_packets_skipped_total{reason="bad_summary_line"}')).toBe(1);
    expect(value(text, 'darkscope_ingest_files_total{outcome="already"}')).toBe(1);
    expect(value(text, 'darkscope_ingest_files_total{outcome="failed"}')).toBe(1);
    expect(value(text, 'darkscope_ingest_retries_total')).toBe(1);
    expect(value(text, 'darkscope_ingest_files_waiting')).toBe(4);
    expect(value(text, 'darkscope_ingest_newest_packet_timestamp_seconds')).toBe(1_700_000_000);
    expect(value(text, 'darkscope_ingest_lag_seconds')).toBe(160);
    // No series is labelled with a port or an address.
    expect(text).not.toMatch(/port=|src=|dst=/);
  });

  it('keeps the counts of an input that ended without inputEnd (stopped or failed) when the next one starts', async () => {
    const m = createIngestMetrics({ defaultMetrics: false });
    const a = newInputStats('a.pcap', 'pcap', false);
    a.records = 40;
    m.observer.inputStart?.({ name: 'a.pcap', kind: 'file', size: 1 }, 0);
    m.observer.reading?.(a);
    expect(value(await m.registry.metrics(), 'darkscope_ingest_records_read_total')).toBe(40);
    const b = newInputStats('b.pcap', 'pcap', false);
    b.records = 5;
    m.observer.inputStart?.({ name: 'b.pcap', kind: 'file', size: 1 }, 0);
    m.observer.reading?.(b);
    expect(value(await m.registry.metrics(), 'darkscope_ingest_records_read_total')).toBe(45);
  });
});
