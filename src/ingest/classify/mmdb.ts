/**
 * MaxMind DB (.mmdb) files: opened and decoded with mmdb-lib, searched with a
 * search-tree walk of our own so that a lookup needs neither address text nor
 * a record decode.
 *
 * Why: mmdb-lib's `get(text)` parses the text and decodes the record on every
 * call (about 1.5 µs). A database holds few distinct records compared to
 * addresses (the bundled country file: one per country), and every address
 * leads to its record's data pointer. So MmdbField walks the tree (MaxMind DB
 * spec 2.0, "Search Tree Section": 24/28/32-bit records, IPv4 in an IPv6 tree
 * under ::/96) to the pointer, and decodes through mmdb-lib only the first
 * time it meets a pointer, keeping the extracted field per pointer.
 *
 * Record shapes a field is extracted from:
 *   - ip-location-db (the bundled geo-whois-asn-country files): { country_code: 'US' }
 *   - MaxMind GeoLite2/GeoIP2 Country or City:
 *       { country: { iso_code: 'US' }, registered_country: { iso_code: 'US' }, ... }
 *     `country` is where the block is used; `registered_country` (where it is
 *     registered) is the fallback for records without a `country` (some
 *     anycast and satellite ranges).
 *   - MaxMind GeoLite2-ASN (also DB-IP and ip-location-db ASN files):
 *       { autonomous_system_number: 15169, autonomous_system_organization: '...' }
 */

import { readFile } from 'node:fs/promises';

import { Reader, type Response } from 'mmdb-lib';

import { DarkscopeError } from '../../errors.js';

export class MmdbFile {
  readonly ipVersion: number;
  readonly databaseType: string;
  private readonly nodeCount: number;
  private readonly recordSize: number;
  private readonly nodeBytes: number;
  /** Node where IPv4 lookups start: 0 in an IPv4 tree, the node for ::/96 in an IPv6 tree. */
  private readonly ipv4Start: number;

  constructor(private readonly db: Buffer, readonly reader: Reader<Response>) {
    const md = reader.metadata;
    this.ipVersion = md.ipVersion;
    this.databaseType = md.databaseType;
    this.nodeCount = md.nodeCount;
    this.recordSize = md.recordSize;
    this.nodeBytes = md.nodeByteSize;
    if (this.recordSize !== 24 && this.recordSize !== 28 && this.recordSize !== 32) {
      throw new Error(`unsupported record size ${this.recordSize}`);
    }
    let node = 0;
    if (this.ipVersion === 6) {
      for (let i = 0; i < 96 && node < this.nodeCount; i++) node = this.child(node, 0);
    }
    this.ipv4Start = node;
  }

  /**
   * Data pointer of the record for an IPv4 address (unsigned 32-bit), or 0
   * when the database has none. Pointers are > nodeCount, so 0 is free.
   */
  pointer4(addr: number): number {
    const count = this.nodeCount;
    let node = this.ipv4Start;
    for (let depth = 0; depth < 32 && node < count; depth++) {
      node = this.child(node, (addr >>> (31 - depth)) & 1);
    }
    return node > count ? node : 0;
  }

  /** As pointer4 for a 16-byte IPv6 address; 0 for an IPv4-only database. */
  pointer6(addr: Uint8Array): number {
    if (this.ipVersion !== 6) return 0;
    const count = this.nodeCount;
    let node = 0;
    for (let depth = 0; depth < 128 && node < count; depth++) {
      node = this.child(node, (addr[depth >>> 3] >>> (7 - (depth & 7))) & 1);
    }
    return node > count ? node : 0;
  }

  /** Left (bit 0) or right (bit 1) record of a node. */
  private child(node: number, bit: number): number {
    const db = this.db;
    const o = node * this.nodeBytes;
    switch (this.recordSize) {
      case 24:
        return bit === 0
          ? (db[o] << 16) | (db[o + 1] << 8) | db[o + 2]
          : (db[o + 3] << 16) | (db[o + 4] << 8) | db[o + 5];
      case 28: // the middle byte holds the high nibble of the left and right records
        return bit === 0
          ? (((db[o + 3] & 0xf0) << 20) | (db[o] << 16) | (db[o + 1] << 8) | db[o + 2]) >>> 0
          : (((db[o + 3] & 0x0f) << 24) | (db[o + 4] << 16) | (db[o + 5] << 8) | db[o + 6]) >>> 0;
      default:
        return bit === 0 ? db.readUInt32BE(o) : db.readUInt32BE(o + 4);
    }
  }
}

/** One field (country or ASN) of a database's records, looked up by address, memoized per record. */
export class MmdbField<T> {
  private readonly byPointer = new Map<number, T>();

  constructor(
    private readonly file: MmdbFile,
    private readonly extract: (record: unknown) => T,
    private readonly none: T,
  ) {}

  get4(addr: number): T {
    const ptr = this.file.pointer4(addr);
    if (ptr === 0) return this.none;
    let v = this.byPointer.get(ptr);
    if (v === undefined) {
      v = this.extract(this.file.reader.get(ipv4Text(addr)));
      this.byPointer.set(ptr, v);
    }
    return v;
  }

  get6(addr: Uint8Array): T {
    const ptr = this.file.pointer6(addr);
    if (ptr === 0) return this.none;
    let v = this.byPointer.get(ptr);
    if (v === undefined) {
      v = this.extract(this.file.reader.get(ipv6Text(addr)));
      this.byPointer.set(ptr, v);
    }
    return v;
  }
}

/** Read and open a .mmdb file; any failure is an ENRICH_DB error naming the file. */
export async function openMmdb(path: string, what: string): Promise<MmdbFile> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DarkscopeError('ENRICH_DB', `cannot read ${what} database ${path} (${why})`, { file: path }, { cause: err });
  }
  try {
    return new MmdbFile(buf, new Reader<Response>(buf));
  } catch (err) {
    throw new DarkscopeError('ENRICH_DB', `${what} database ${path} is not a usable MaxMind DB file (${(err as Error).message})`,
      { file: path }, { cause: err });
  }
}

/** ISO 3166 alpha-2 code from a country record, or ''. */
export function countryOfRecord(rec: unknown): string {
  if (rec === null || typeof rec !== 'object') return '';
  const r = rec as Record<string, unknown>;
  const code = r.country_code ?? isoCode(r.country) ?? isoCode(r.registered_country);
  return typeof code === 'string' && code.length === 2 ? code : '';
}

function isoCode(sub: unknown): unknown {
  return sub !== null && typeof sub === 'object' ? (sub as Record<string, unknown>).iso_code : undefined;
}

/** AS number from an ASN record, or 0. */
export function asnOfRecord(rec: unknown): number {
  if (rec === null || typeof rec !== 'object') return 0;
  const n = (rec as Record<string, unknown>).autonomous_system_number;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : 0;
}

/** Dotted-quad text of an unsigned 32-bit IPv4 address. */
export function ipv4Text(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

/** Uncompressed IPv6 text (eight hex groups) of 16 network-order bytes. */
export function ipv6Text(b: Uint8Array): string {
  let s = ((b[0] << 8) | b[1]).toString(16);
  for (let i = 2; i < 16; i += 2) s += ':' + ((b[i] << 8) | b[i + 1]).toString(16);
  return s;
}
