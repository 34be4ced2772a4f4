import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared corpus of real third-party captures, beside the project (never copied into it). */
export const CORPUS_DIR = fileURLToPath(new URL('../../../shared/corpus/tcpdump/', import.meta.url));

export interface CorpusEntry {
  file: string;
  path: string;
  bytes: number;
  packets: number;
  linkTypeNote: string;
}

/** Reads the corpus README table: what tshark/tcpdump read from each file. */
export function corpusEntries(): CorpusEntry[] {
  const readme = readFileSync(new URL('../README.md', `file://${CORPUS_DIR}`), 'utf8');
  const out: CorpusEntry[] = [];
  for (const line of readme.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 8 || !/\.pcap(ng)?$/.test(cells[1])) continue;
    out.push({ file: cells[1], path: CORPUS_DIR + cells[1], bytes: Number(cells[2]), linkTypeNote: cells[4], packets: Number(cells[5]) });
  }
  if (out.length < 30) throw new Error(`corpus README table parsed to only ${out.length} rows: has its layout changed?`);
  return out;
}
