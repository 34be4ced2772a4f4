import { openCapture, type CaptureReader } from '../../src/ingest/capture/index.js';
import type { CaptureRecord } from '../../src/ingest/capture/record.js';
import { chunked } from './capture-writer.js';

export interface ReadResult {
  reader: CaptureReader;
  records: CaptureRecord[];
}

/** Reads a whole in-memory capture, fed in chunks of `chunkSize` bytes. */
export async function readAll(buf: Uint8Array, chunkSize = 1 << 20, name = 'test.pcap'): Promise<ReadResult> {
  const reader = await openCapture(chunked(buf, chunkSize), { name });
  const records: CaptureRecord[] = [];
  for await (const batch of reader.batches()) for (const r of batch) records.push({ ...r, data: Uint8Array.from(r.data) });
  return { reader, records };
}
