/**
 * The ingest pipeline driven in-process, for tests that need what the CLI
 * does not expose: a short retry policy, an observer, or a writer that fails
 * chosen batches (to reproduce a crash at an exact point, deterministically).
 */

import { stat } from 'node:fs/promises';
import { classifiersFromConfig } from '../../../src/ingest/classifiers.js';
import { loadConfig } from '../../../src/config.js';
import { ingestInputs, type IngestObserver, type IngestOptions, type IngestSummary } from '../../../src/ingest/pipeline.js';
import { createLogger } from '../../../src/logger.js';
import { BatchWriter, type PacketBatch, type WriteOptions, type WriteResult } from '../../../src/store/batch-writer.js';
import type { StoreClient } from '../../../src/store/client.js';

export interface InProcessOptions extends Partial<Omit<IngestOptions, 'sensor'>> {
  readonly sensor: string;
  readonly writer?: BatchWriter;
  readonly observer?: IngestObserver;
}

/** Ingests files like `darkscope ingest --no-enrich` would, in this process. */
export async function ingestFiles(store: StoreClient, paths: readonly string[], o: InProcessOptions): Promise<IngestSummary> {
  const specs = await Promise.all(paths.map(async (name) => ({ name, kind: 'file' as const, size: (await stat(name)).size })));
  const cfg = loadConfig({ HOME: '/nonexistent', DARKSCOPE_ENRICH: '0' });
  const classifiers = await classifiersFromConfig(cfg.ingest);
  return ingestInputs(specs, { store, writer: o.writer ?? new BatchWriter(store), classifiers, logger: createLogger('silent'), observer: o.observer }, {
    sensor: o.sensor,
    batchRows: o.batchRows ?? cfg.ingest.batchRows,
    batchAgeMs: o.batchAgeMs ?? cfg.ingest.batchAgeMs,
    maxInFlight: o.maxInFlight ?? cfg.ingest.maxInFlight,
    ...(o.format !== undefined ? { format: o.format } : {}),
    ...(o.retry !== undefined ? { retry: o.retry } : {}),
  });
}

/** Decides what happens to the n-th batch handed to the writer (0-based, in dispatch order). */
export type WriteScript = (n: number, send: () => Promise<WriteResult>) => Promise<WriteResult>;

/** A real BatchWriter whose `write` goes through a script, e.g. to hold or fail chosen batches. */
export class ScriptedWriter extends BatchWriter {
  private calls = 0;

  constructor(store: StoreClient, private readonly script: WriteScript) {
    super(store);
  }

  override write(batch: PacketBatch, opts: WriteOptions): Promise<WriteResult> {
    const n = this.calls++;
    return this.script(n, () => super.write(batch, opts));
  }

  /** Batches handed to the writer so far. */
  get writes(): number {
    return this.calls;
  }
}

export type Settled<T> =
  | { readonly state: 'resolved'; readonly value: T }
  | { readonly state: 'rejected'; readonly error: unknown }
  | { readonly state: 'pending' };

/** How `p` settles within `ms` ('pending' if it has not by then). */
export async function settleWithin<T>(p: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Settled<T>>((resolve) => { timer = setTimeout(() => resolve({ state: 'pending' }), ms); });
  try {
    return await Promise.race([
      p.then((value) => ({ state: 'resolved' as const, value }), (error: unknown) => ({ state: 'rejected' as const, error })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
