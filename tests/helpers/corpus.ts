import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The corpus of real third-party captures: DARKSCOPE_CORPUS, or ../shared/corpus
 * beside the project (never copied into it). Only the corpus suite
 * (`npm run test:full`) reads it; a missing corpus fails that suite.
 */
function corpusRoot(): string {
  const given = process.env.DARKSCOPE_CORPUS;
  const root = given !== undefined && given !== '' ? resolve(given) : fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
  if (!existsSync(join(root, 'README.md')) || !existsSync(join(root, 'tcpdump'))) {
    throw new Error(`The corpus suite needs the third-party capture corpus and found none at ${root}.\n` +
      '  Set DARKSCOPE_CORPUS to a folder holding README.md and tcpdump/ (the shared corpus), or place it at ../shared/corpus beside the project.');
  }
  return root;
}

export const CORPUS_DIR = `${join(corpusRoot(), 'tcpdump')}/`;

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
