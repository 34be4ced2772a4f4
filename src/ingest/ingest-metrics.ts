/**
 * Prometheus metrics of a running ingest (`ingest --metrics-port`), fed by
 * the pipeline's and the watcher's observers. Labels are skip reasons, file
 * outcomes and insert outcomes: bounded by the code, never ports or
 * addresses.
 *
 *   darkscope_ingest_packets_stored_total           rows inserted
 *   darkscope_ingest_packets_already_stored_total   rows found stored before (resume, resend)
 *   darkscope_ingest_records_read_total             capture records / summary lines read
 *   darkscope_ingest_packets_skipped_total{reason}  undecodable records, by reason
 *   darkscope_ingest_inserts_total                  batches stored
 *   darkscope_ingest_insert_duration_seconds        histogram, send to stored
 *   darkscope_ingest_retries_total                  store calls retried
 *   darkscope_ingest_files_total{outcome}           stored, already (ingested before), failed
 *   darkscope_ingest_store_failures_total           --watch: pauses because the store failed
 *   darkscope_ingest_files_waiting                  --watch: files seen, not stored yet
 *   darkscope_ingest_newest_packet_timestamp_seconds
 *   darkscope_ingest_lag_seconds                    now minus the newest stored packet's time (NaN before one)
 *   darkscope_ingest_last_insert_timestamp_seconds
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InputStats } from './input/index.js';
import type { BatchReport, IngestObserver } from './pipeline.js';
import type { WatchObserver } from './watch/watcher.js';

export interface IngestMetrics {
  readonly registry: Registry;
  readonly observer: IngestObserver & WatchObserver;
}

export function createIngestMetrics(options: { defaultMetrics?: boolean; now?: () => number } = {}): IngestMetrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'darkscope_' });
  const reg = [registry];
  const stored = new Counter({ name: 'darkscope_ingest_packets_stored_total', help: 'Packets inserted into ClickHouse', registers: reg });
  const already = new Counter({ name: 'darkscope_ingest_packets_already_stored_total', help: 'Packets found already stored (a resumed or resent batch) and not sent again', registers: reg });
  const inserts = new Counter({ name: 'darkscope_ingest_inserts_total', help: 'Batches stored', registers: reg });
  const insertSeconds = new Histogram({
    name: 'darkscope_ingest_insert_duration_seconds',
    help: 'Time from sending a batch to its being stored, retries included',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: reg,
  });
  const retries = new Counter({ name: 'darkscope_ingest_retries_total', help: 'Store calls retried after a transient failure', registers: reg });
  const files = new Counter({ name: 'darkscope_ingest_files_total', help: 'Input files by outcome: stored, already (ingested before), failed', labelNames: ['outcome'] as const, registers: reg });
  for (const outcome of ['stored', 'already', 'failed']) files.inc({ outcome }, 0);
  const storeFailures = new Counter({ name: 'darkscope_ingest_store_failures_total', help: 'Pauses of a watcher because the store failed (unreachable, full, rejecting)', registers: reg });
  let waitingFiles = 0;
  new Gauge({
    name: 'darkscope_ingest_files_waiting', help: 'Files of the followed directory not stored yet (still written, waiting to be read, or failed)', registers: reg,
    collect() { this.set(waitingFiles); },
  });
  let newestSec = 0;
  let lastInsertMs = 0;
  new Gauge({
    name: 'darkscope_ingest_newest_packet_timestamp_seconds', help: 'Capture time of the newest packet stored (0: none yet)', registers: reg,
    collect() { this.set(newestSec); },
  });
  new Gauge({
    name: 'darkscope_ingest_lag_seconds', help: 'Now minus the capture time of the newest packet stored (NaN until one is stored)', registers: reg,
    collect() { this.set(newestSec > 0 ? Math.max(0, now() / 1000 - newestSec) : Number.NaN); },
  });
  new Gauge({
    name: 'darkscope_ingest_last_insert_timestamp_seconds', help: 'When the last batch was stored (0: none yet)', registers: reg,
    collect() { this.set(lastInsertMs / 1000); },
  });

  // Records and skips are counted by the reader as it goes: the live input's
  // stats object plus the totals of the inputs already finished.
  let current: InputStats | null = null;
  const finished = { records: 0, skipped: new Map<string, number>() };
  const exported = { records: 0, skipped: new Map<string, number>() };
  new Counter({
    name: 'darkscope_ingest_records_read_total', help: 'Capture records or summary lines read', registers: reg,
    collect() {
      const total = finished.records + (current?.records ?? 0);
      if (total > exported.records) this.inc(total - exported.records);
      exported.records = total;
    },
  });
  new Counter({
    name: 'darkscope_ingest_packets_skipped_total', help: 'Records that were not stored, by reason (truncated, unsupported link type, bad line, ...)', labelNames: ['reason'] as const, registers: reg,
    collect() {
      const totals = new Map(finished.skipped);
      for (const [k, v] of Object.entries(current?.skipped ?? {})) totals.set(k, (totals.get(k) ?? 0) + (v ?? 0));
      for (const [reason, total] of totals) {
        const before = exported.skipped.get(reason) ?? 0;
        if (total > before) this.inc({ reason }, total - before);
        exported.skipped.set(reason, Math.max(before, total));
      }
    },
  });
  const finish = (stats: InputStats): void => {
    finished.records += stats.records;
    for (const [k, v] of Object.entries(stats.skipped)) finished.skipped.set(k, (finished.skipped.get(k) ?? 0) + (v ?? 0));
    current = null;
  };

  const observer: IngestObserver & WatchObserver = {
    inputStart() { if (current !== null) finish(current); },
    reading(stats) { current = stats; },
    inputEnd(stats) { finish(stats); },
    batchStored(r: BatchReport) {
      stored.inc(r.rows);
      already.inc(r.alreadyStored);
      inserts.inc();
      insertSeconds.observe(r.ms / 1000);
      if (r.maxTsSec > newestSec) newestSec = r.maxTsSec;
      lastInsertMs = now();
    },
    retry() { retries.inc(); },
    fileDone(_path, outcome) { files.inc({ outcome: outcome.kind === 'done' ? 'stored' : 'already' }); },
    fileFailed() { files.inc({ outcome: 'failed' }); },
    storeFailed() { storeFailures.inc(); },
    waiting(n) { waitingFiles = n; },
  };
  return { registry, observer };
}
