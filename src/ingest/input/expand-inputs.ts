/**
 * Turns command-line input arguments into an ordered list of inputs: files as
 * given, "-" for standard input, and directories of rotated captures expanded
 * to their regular files in name order (numeric-aware, so capture.pcap2 comes
 * before capture.pcap10, as tcpdump -C/-W rotation names them).
 */
import { stat } from 'node:fs/promises';
import { DarkscopeError } from '../../errors.js';
import { listDirectory, nameOrder } from './directory-listing.js';

export interface InputSpec {
  /** Path as shown to the user, or "-" for standard input. */
  readonly name: string;
  readonly kind: 'file' | 'stdin';
  /** File size in bytes (0 for stdin). */
  readonly size: number;
}

export async function expandInputs(args: readonly string[]): Promise<InputSpec[]> {
  const out: InputSpec[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push({ name: '-', kind: 'stdin', size: 0 });
      continue;
    }
    const st = await statOrThrow(arg);
    if (st.isDirectory()) {
      const files = (await listDirectory(arg)).sort((a, b) => nameOrder.compare(a.name, b.name));
      for (const f of files) out.push({ name: f.path, kind: 'file', size: f.size });
    } else if (st.isFile()) {
      out.push({ name: arg, kind: 'file', size: st.size });
    } else {
      throw new DarkscopeError('INPUT_UNREADABLE', `"${arg}" is neither a regular file nor a directory`, { file: arg });
    }
  }
  return out;
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DarkscopeError('INPUT_NOT_FOUND', `no such file or directory "${path}"`, { file: path });
    throw new DarkscopeError('INPUT_UNREADABLE', `cannot read "${path}" (${code ?? 'error'})`, { file: path });
  }
}
