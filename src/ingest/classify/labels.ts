/**
 * User-supplied source labels: text files of `CIDR,label` lines, looked up by
 * longest-prefix match on the source address.
 *
 * File format (one entry per line):
 *   # comment                      lines starting with '#' are ignored
 *   192.0.2.0/24,research          IPv4 or IPv6 CIDR, a comma, a label
 *   2001:db8::/32,doc-net
 *   198.51.100.7,one-host          a bare address means /32 or /128
 * Blank lines and spaces around fields are allowed. A label is 1..64 of
 * [A-Za-z0-9_.:-]. The CIDR must have no host bits set ("192.0.2.1/24" is
 * rejected with a suggestion), and a prefix given twice with different labels,
 * in one file or across files, is an error naming both places.
 *
 * Lookup: the prefixes are flattened at load time into disjoint ranges, each
 * carrying the label of the longest prefix covering it, so a lookup is one
 * allocation-free binary search over typed arrays (src/ingest/classify/ranges.ts)
 * instead of one hash probe per distinct prefix length.
 */

import { readFile } from 'node:fs/promises';

import { DarkscopeError } from '../../errors.js';
import { parseIPv4, parseIPv6 } from '../../net/ip-parse.js';
import { bytesToBigInt, Ranges4, Ranges6, setWords } from './ranges.js';

const LABEL_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

interface Prefix {
  /** 4 or 6. */
  readonly family: number;
  /** Network address as an unsigned integer of 32 or 128 bits. */
  readonly net: bigint;
  readonly len: number;
  readonly label: string;
  /** Where it was read, for duplicate reports. */
  readonly file: string;
  readonly line: number;
}

export class LabelSet {
  /** Use parseLabels / loadLabelFiles / LabelSet.empty() to build one. */
  constructor(
    private readonly v4: Ranges4,
    private readonly v6: Ranges6,
    private readonly names: readonly string[],
    /** Number of distinct prefixes the set was built from. */
    readonly prefixCount: number,
  ) {}

  static empty(): LabelSet {
    return buildLabelSet([]);
  }

  /** Label of the longest prefix holding the IPv4 address (unsigned 32-bit), or ''. */
  labelFor4(addr: number): string {
    const i = this.v4.indexOf(addr);
    return i < 0 ? '' : this.names[this.v4.values[i]];
  }

  /** Label of the longest prefix holding the 16-byte IPv6 address, or ''. */
  labelFor6(addr: Uint8Array): string {
    const i = this.v6.indexOf(addr);
    return i < 0 ? '' : this.names[this.v6.values[i]];
  }
}

/** Parse one labels file's text. `name` is used in error messages. */
export function parseLabels(text: string, name: string): LabelSet {
  return buildLabelSet(parsePrefixes(text, name));
}

/** Read and merge several labels files (an empty list gives an empty set). */
export async function loadLabelFiles(paths: readonly string[]): Promise<LabelSet> {
  const all: Prefix[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new DarkscopeError('BAD_LABELS', `cannot read labels file ${path} (${why})`, { file: path }, { cause: err });
    }
    for (const p of parsePrefixes(text, path)) all.push(p);
  }
  return buildLabelSet(all);
}

function parsePrefixes(text: string, name: string): Prefix[] {
  const out: Prefix[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim(); // also drops a CR from CRLF files
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1).trim(); // BOM
    if (line === '' || line.startsWith('#')) continue;
    out.push(parseLine(line, name, i + 1));
  }
  return out;
}

function parseLine(line: string, name: string, lineNo: number): Prefix {
  const fail = (what: string): DarkscopeError =>
    new DarkscopeError('BAD_LABELS', `${name}:${lineNo}: ${what}`, { file: name, line: lineNo });

  const fields = line.split(',');
  if (fields.length !== 2) {
    throw fail(`expected "CIDR,label", found ${fields.length} comma-separated field(s) in ${JSON.stringify(line)}`);
  }
  const cidr = fields[0].trim();
  const label = fields[1].trim();
  if (!LABEL_RE.test(label)) {
    throw fail(`label ${JSON.stringify(label)} must be 1 to 64 characters of A-Z a-z 0-9 _ . : -`);
  }

  const slash = cidr.indexOf('/');
  const addrText = slash < 0 ? cidr : cidr.slice(0, slash);
  const family = addrText.includes(':') ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  let len = bits;
  if (slash >= 0) {
    const lenText = cidr.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(lenText) || Number(lenText) > bits) {
      throw fail(`prefix length ${JSON.stringify(lenText)} in ${JSON.stringify(cidr)} must be 0..${bits}`);
    }
    len = Number(lenText);
  }

  let addr: bigint;
  if (family === 4) {
    const v = parseIPv4(addrText);
    if (v === null) throw fail(`${JSON.stringify(addrText)} is not an IPv4 address`);
    addr = BigInt(v);
  } else {
    const v = parseIPv6(addrText);
    if (v === null) throw fail(`${JSON.stringify(addrText)} is not an IPv6 address`);
    addr = bytesToBigInt(v);
  }
  const hostBits = BigInt(bits - len);
  const net = (addr >> hostBits) << hostBits;
  if (net !== addr) {
    throw fail(`${cidr} has host bits set; did you mean ${family === 4 ? v4Text(net) : v6Text(net)}/${len}?`);
  }
  return { family, net, len, label, file: name, line: lineNo };
}

function v4Text(v: bigint): string {
  const n = Number(v);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 text: lower-case hex, the longest run of two or more zero groups as "::". */
function v6Text(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/**
 * Flatten nested prefixes into disjoint ranges. Every prefix contributes its
 * first address and the address after its last as boundaries; between two
 * consecutive boundaries the set of covering prefixes cannot change, so the
 * label of such a piece is the longest-prefix match of its first address.
 * Adjacent pieces with the same label are merged.
 */
function buildLabelSet(prefixes: readonly Prefix[]): LabelSet {
  const names: string[] = [];
  const nameIds = new Map<string, number>();
  const byKey = new Map<string, Prefix>();
  for (const p of prefixes) {
    const key = `${p.family}/${p.len}/${p.net}`;
    const seen = byKey.get(key);
    if (seen !== undefined) {
      if (seen.label !== p.label) {
        throw new DarkscopeError('BAD_LABELS',
          `${p.file}:${p.line}: prefix already labelled ${JSON.stringify(seen.label)} at ${seen.file}:${seen.line}, cannot also be ${JSON.stringify(p.label)}`,
          { file: p.file, line: p.line });
      }
      continue;
    }
    byKey.set(key, p);
    if (!nameIds.has(p.label)) {
      nameIds.set(p.label, names.length);
      names.push(p.label);
    }
  }
  const unique = [...byKey.values()];
  const v4 = flatten(unique.filter((p) => p.family === 4), 32, nameIds);
  const v6 = flatten(unique.filter((p) => p.family === 6), 128, nameIds);

  const r4 = new Ranges4(
    Uint32Array.from(v4.starts, Number),
    Uint32Array.from(v4.ends, Number),
    Uint32Array.from(v4.values),
  );
  const s6 = new Uint32Array(v6.starts.length * 4);
  const e6 = new Uint32Array(v6.ends.length * 4);
  v6.starts.forEach((v, i) => setWords(s6, i, v));
  v6.ends.forEach((v, i) => setWords(e6, i, v));
  const r6 = new Ranges6(s6, e6, Uint32Array.from(v6.values));
  return new LabelSet(r4, r6, names, unique.length);
}

interface Flat {
  starts: bigint[];
  ends: bigint[];
  values: number[];
}

function flatten(prefixes: readonly Prefix[], bits: number, nameIds: ReadonlyMap<string, number>): Flat {
  const flat: Flat = { starts: [], ends: [], values: [] };
  if (prefixes.length === 0) return flat;
  const size = (len: number): bigint => 1n << BigInt(bits - len);

  // Longest-prefix match by hand: one map per prefix length, longest first.
  const byLen = new Map<number, Map<bigint, string>>();
  for (const p of prefixes) {
    let m = byLen.get(p.len);
    if (m === undefined) byLen.set(p.len, (m = new Map()));
    m.set(p.net, p.label);
  }
  const lengths = [...byLen.keys()].sort((a, b) => b - a);
  const match = (addr: bigint): string | undefined => {
    for (const len of lengths) {
      const host = BigInt(bits - len);
      const label = byLen.get(len)!.get((addr >> host) << host);
      if (label !== undefined) return label;
    }
    return undefined;
  };

  const bounds = new Set<bigint>();
  for (const p of prefixes) {
    bounds.add(p.net);
    bounds.add(p.net + size(p.len)); // may be 2^bits: a boundary past the end
  }
  const sorted = [...bounds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 0; i + 1 < sorted.length; i++) {
    const label = match(sorted[i]);
    if (label === undefined) continue;
    const id = nameIds.get(label)!;
    const start = sorted[i];
    const end = sorted[i + 1] - 1n;
    const last = flat.values.length - 1;
    if (last >= 0 && flat.values[last] === id && flat.ends[last] + 1n === start) {
      flat.ends[last] = end;
    } else {
      flat.starts.push(start);
      flat.ends.push(end);
      flat.values.push(id);
    }
  }
  return flat;
}
