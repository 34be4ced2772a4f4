/**
 * A capture that grows after it was read: a sensor still writing it, a file
 * a watcher took as complete too early, or a file ingested again by hand
 * after more packets were appended. Its size changed, so its identity
 * (size, first MiB) is new, and without this it would be stored again from
 * the start.
 *
 * Progress records keep the path, the size and the hash of the first
 * min(size, 1 MiB) bytes. A file whose path has such a record, whose size is
 * at least the recorded one and whose same first bytes hash the same is the
 * recorded file, grown (or unchanged): it keeps the recorded identity (file
 * id and batch keys), so reading resumes where the record says and the
 * already-stored rows are recognised as such.
 */
import type { StoreClient } from '../store/client.js';
import { progressByPath } from '../store/ingest-progress.js';
import { batchKeyHi, IDENTITY_HEAD_BYTES, prefixHash, type FileIdentity } from './file-identity.js';

/**
 * The identity `current` continues, if an earlier record of the same path is
 * a prefix of it; otherwise null. `current` must be a resumable file identity.
 */
export async function continuedIdentity(store: StoreClient, sensor: string, current: FileIdentity): Promise<FileIdentity | null> {
  const records = await progressByPath(store, sensor, current.path);
  for (const r of records) {
    if (r.fileId === current.fileId || r.size > current.size) continue;
    const sameHead = r.size >= IDENTITY_HEAD_BYTES
      ? current.headHash === r.headHash
      : (await prefixHash(current.path, r.size)) === r.headHash;
    if (sameHead) return { ...current, fileId: r.fileId, keyHi: batchKeyHi(sensor, r.fileId) };
  }
  return null;
}
