/**
 * The regular files of a directory of captures, with size and mtime: for
 * `ingest DIR` and `ingest --watch DIR`. Dot files are skipped (rsync and
 * many writers use them for files not yet complete); a file gone between
 * the listing and its stat is left out.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DarkscopeError } from '../../errors.js';

/** Name order of rotated captures: numeric-aware, so capture.pcap2 comes before capture.pcap10 (tcpdump -C/-W names). */
export const nameOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

export interface ListedFile {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export async function listDirectory(dir: string): Promise<ListedFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DarkscopeError('INPUT_NOT_FOUND', `the directory "${dir}" does not exist (any more)`, { file: dir });
    if (code === 'ENOTDIR') throw new DarkscopeError('INPUT_UNREADABLE', `"${dir}" is not a directory`, { file: dir });
    throw new DarkscopeError('INPUT_UNREADABLE', `cannot list "${dir}" (${code ?? 'error'})`, { file: dir });
  }
  const out: ListedFile[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    try {
      const st = await stat(path);
      if (st.isFile()) out.push({ name, path, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // Gone between readdir and stat (rotated away, moved): the next listing settles it.
    }
  }
  return out;
}
