/**
 * A minimal MaxMind DB writer for tests (MaxMind DB spec 2.0): a search tree
 * with 24-, 28- or 32-bit records, a data section of maps, UTF-8 strings and
 * uint32 values, and the metadata mmdb-lib needs. Networks must not nest.
 * It lets tests build GeoLite2-shaped files without shipping MaxMind data.
 */

import { parseIPv4, parseIPv6 } from '../../src/net/ip-parse.js';

export interface MmdbNet {
  /** "a.b.c.d/len" or "v6::/len"; IPv4 networks go under ::/96 in an IPv6 tree. */
  readonly cidr: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface MmdbSpec {
  readonly ipVersion: 4 | 6;
  readonly recordSize: 24 | 28 | 32;
  readonly nets: readonly MmdbNet[];
  /** Unused bytes before the first record, to push data pointers past 2^24. */
  readonly dataPad?: number;
  readonly databaseType?: string;
}

interface Node {
  kids: [Child, Child];
}
type Child = Node | { leaf: number } | null;

const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'); // "\xab\xcd\xefMaxMind.com"

export function buildMmdb(spec: MmdbSpec): Buffer {
  const pad = spec.dataPad ?? 0;
  const data: Buffer[] = [Buffer.alloc(pad)];
  let offset = pad;
  const root: Node = { kids: [null, null] };
  for (const net of spec.nets) {
    const record = encode(net.data);
    insert(root, prefixBits(net.cidr, spec.ipVersion), offset);
    data.push(record);
    offset += record.length;
  }

  const order: Node[] = [];
  const index = new Map<Node, number>();
  for (const queue: Node[] = [root]; queue.length > 0;) {
    const n = queue.shift()!;
    index.set(n, order.length);
    order.push(n);
    for (const k of n.kids) if (k !== null && !('leaf' in k)) queue.push(k);
  }
  const nodeCount = order.length;
  const value = (k: Child): number => (k === null ? nodeCount : 'leaf' in k ? nodeCount + 16 + k.leaf : index.get(k)!);
  const nodeBytes = spec.recordSize / 4;
  const tree = Buffer.alloc(nodeCount * nodeBytes);
  order.forEach((n, i) => writeNode(tree, i * nodeBytes, spec.recordSize, value(n.kids[0]), value(n.kids[1])));

  const metadata = encode({
    node_count: nodeCount,
    record_size: spec.recordSize,
    ip_version: spec.ipVersion,
    database_type: spec.databaseType ?? 'Test-DB',
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, METADATA_MARKER, metadata]);
}

function insert(root: Node, bits: number[], leaf: number): void {
  let node = root;
  for (let i = 0; i < bits.length - 1; i++) {
    let k = node.kids[bits[i]];
    if (k === null) node.kids[bits[i]] = k = { kids: [null, null] };
    if ('leaf' in k) throw new Error('nested networks are not supported');
    node = k;
  }
  if (node.kids[bits[bits.length - 1]] !== null) throw new Error('nested networks are not supported');
  node.kids[bits[bits.length - 1]] = { leaf };
}

function prefixBits(cidr: string, ipVersion: 4 | 6): number[] {
  const [addrText, lenText] = cidr.split('/');
  const len = Number(lenText);
  let bytes: number[];
  let extra = 0;
  const a4 = parseIPv4(addrText);
  if (a4 !== null) {
    bytes = [a4 >>> 24, (a4 >>> 16) & 255, (a4 >>> 8) & 255, a4 & 255];
    if (ipVersion === 6) {
      bytes = [...new Array<number>(12).fill(0), ...bytes];
      extra = 96;
    }
  } else {
    const a6 = parseIPv6(addrText);
    if (a6 === null || ipVersion === 4) throw new Error(`bad test network ${cidr}`);
    bytes = [...a6];
  }
  const bits: number[] = [];
  for (let i = 0; i < len + extra; i++) bits.push((bytes[i >>> 3] >>> (7 - (i & 7))) & 1);
  return bits;
}

function writeNode(tree: Buffer, o: number, recordSize: number, left: number, right: number): void {
  if (recordSize === 24) {
    tree.writeUIntBE(left, o, 3);
    tree.writeUIntBE(right, o + 3, 3);
  } else if (recordSize === 28) {
    tree.writeUIntBE(left & 0xffffff, o, 3);
    tree[o + 3] = ((left >>> 24) << 4) | (right >>> 24);
    tree.writeUIntBE(right & 0xffffff, o + 4, 3);
  } else {
    tree.writeUInt32BE(left, o);
    tree.writeUInt32BE(right, o + 4);
  }
}

/** Data-section encoding of maps, strings and uint32 values (sizes up to 284). */
function encode(v: unknown): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([control(2, b.length), b]);
  }
  if (typeof v === 'number') {
    const bytes: number[] = [];
    for (let x = v; x > 0; x = Math.floor(x / 256)) bytes.unshift(x % 256);
    return Buffer.concat([control(6, bytes.length), Buffer.from(bytes)]);
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, x]) => [encode(k), encode(x)])]);
  }
  throw new Error(`cannot encode ${String(v)}`);
}

function control(type: number, size: number): Buffer {
  if (size < 29) return Buffer.from([(type << 5) | size]);
  if (size < 29 + 256) return Buffer.from([(type << 5) | 29, size - 29]);
  throw new Error('test writer supports sizes up to 284 only');
}
