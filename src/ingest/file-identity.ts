/**
 * Identity of an input file for resume: path, size and a hash of its first
 * MiB. Two files with the same size and first MiB are treated as the same
 * capture (a copy or a rename of it), wherever they live.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { InputSpec } from './input/index.js';

export const IDENTITY_HEAD_BYTES = 1 << 20;

export interface FileIdentity {
  /** 32 hex digits: sha256(size, first MiB), truncated. Stable across runs. */
  readonly fileId: string;
  /**
   * Upper 32 bits of every batch key of this file under this sensor: lets the
   * store find the rows this (sensor, file) stored, and only those.
   */
  readonly keyHi: number;
  readonly path: string;
  readonly size: number;
  readonly headHash: string;
  /** False for stdin: nothing to resume. */
  readonly resumable: boolean;
}

/** Upper half of the batch keys of (sensor, file). */
export function batchKeyHi(sensor: string, fileId: string): number {
  return parseInt(createHash('sha256').update(`${sensor}\0${fileId}`).digest('hex').slice(0, 8), 16) >>> 0;
}

export async function fileIdentity(spec: InputSpec, sensor: string): Promise<FileIdentity> {
  if (spec.kind === 'stdin') {
    const id = randomBytes(16).toString('hex');
    return { fileId: id, keyHi: batchKeyHi(sensor, id), path: '-', size: 0, headHash: '', resumable: false };
  }
  const headHash = await prefixHash(spec.name, Math.min(IDENTITY_HEAD_BYTES, spec.size));
  const fileId = createHash('sha256').update(`${spec.size}:${headHash}`).digest('hex').slice(0, 32);
  return { fileId, keyHi: batchKeyHi(sensor, fileId), path: spec.name, size: spec.size, headHash, resumable: true };
}

/** sha256 (hex) of the first `bytes` bytes of the file (fewer if it is shorter). */
export async function prefixHash(path: string, bytes: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(bytes);
    let got = 0;
    while (got < head.length) {
      const { bytesRead } = await fh.read(head, got, head.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return createHash('sha256').update(head.subarray(0, got)).digest('hex');
  } finally {
    await fh.close();
  }
}
