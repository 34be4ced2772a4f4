/**
 * Country and origin AS of a packet's source address.
 *
 * Databases (options override the defaults):
 *   country  default: @ip-location-db/geo-whois-asn-country-mmdb
 *              (geo-whois-asn-country-ipv4.mmdb and -ipv6.mmdb, CC0, records
 *              `{ country_code }`); `geoipPath`: a MaxMind GeoLite2/GeoIP2
 *              Country or City .mmdb (`country.iso_code`).
 *   ASN      default: @ip-location-db/asn numeric CSVs (CC BY 4.0, RouteViews,
 *              RIRs and DB-IP): asn-ipv4-num.csv is loaded at start-up,
 *              asn-ipv6-num.csv only when the first IPv6 source is looked up;
 *              `asnDbPath`: a MaxMind GeoLite2-ASN .mmdb
 *              (`autonomous_system_number`).
 * A missing or unreadable database is a DarkscopeError('ENRICH_DB') from
 * createEnricher (the lazily loaded IPv6 table is checked for readability up
 * front). Special-purpose sources (private, documentation, multicast, ...:
 * special-addresses.ts) get '' / 0 without a database lookup.
 *
 * Cost: a database lookup (a 32..128-step tree walk or a binary search over
 * 400 000 ASN ranges, see mmdb.ts and ranges.ts) costs more than decoding a
 * packet, while telescope sources repeat heavily. So results go through a
 * direct-mapped cache: 65536 slots for IPv4 keyed on the whole address (a
 * Fibonacci hash of the address picks the slot; a colliding address simply
 * replaces the previous one), 4096 slots for IPv6 keyed on all 128 bits. Memory is fixed (about 0.7 MB + 0.1 MB), a hit
 * reads three typed arrays and allocates nothing, and countries are interned
 * so each slot holds a small integer.
 */

import { constants, readFileSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { DarkscopeError } from '../../errors.js';
import { parseAsnCsv4, parseAsnCsv6 } from './asn-csv.js';
import { asnOfRecord, countryOfRecord, MmdbField, openMmdb } from './mmdb.js';
import { word, type Ranges4, type Ranges6 } from './ranges.js';
import { isSpecial4, isSpecial6 } from './special-addresses.js';

export interface EnrichOptions {
  /** MaxMind Country/City .mmdb to use instead of the bundled country data. */
  geoipPath?: string;
  /** MaxMind ASN .mmdb to use instead of the bundled ASN tables. */
  asnDbPath?: string;
}

/** What a lookup fills in; a ClassifiedPacket is one. */
export interface GeoAsn {
  /** ISO 3166 alpha-2, '' when unknown. */
  country: string;
  /** Origin AS number, 0 when unknown. */
  asn: number;
}

/** An uncached country database. */
export interface CountrySource {
  country4(addr: number): string;
  country6(addr: Uint8Array): string;
}

/** An uncached ASN database. */
export interface AsnSource {
  asn4(addr: number): number;
  asn6(addr: Uint8Array): number;
}

export interface EnrichSources {
  readonly country: CountrySource;
  readonly asn: AsnSource;
}

export const CACHE_SLOTS_4 = 65536;
export const CACHE_SLOTS_6 = 4096;
/** 2^32 / golden ratio: multiplicative (Fibonacci) hashing, top bits taken. */
const HASH_MUL = 0x9e3779b1;

/** Cache slot of an IPv4 address (exported for tests that need collisions). */
export function cacheSlot4(addr: number): number {
  return Math.imul(addr, HASH_MUL) >>> 16;
}

/** Cache slot of an IPv6 address (exported for tests that need collisions). */
export function cacheSlot6(addr: Uint8Array): number {
  return slot6(word(addr, 0), word(addr, 4), word(addr, 8), word(addr, 12));
}

function slot6(w0: number, w1: number, w2: number, w3: number): number {
  return Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f), HASH_MUL) >>> 20;
}

export class Enricher {
  private readonly keys4: Uint32Array;
  private readonly countries4: Uint16Array;
  private readonly asns4: Uint32Array;
  private readonly keys6: Uint32Array;
  private readonly filled6: Uint8Array;
  private readonly countries6: Uint16Array;
  private readonly asns6: Uint32Array;
  /** Interned country codes; a cache slot stores the index. */
  private readonly countryNames: string[] = [''];
  private readonly countryIds = new Map<string, number>([['', 0]]);
  private misses4 = 0;
  private misses6 = 0;

  /** `null` sources: the disabled enricher. Normally built by createEnricher(). */
  constructor(private readonly sources: EnrichSources | null) {
    const n4 = sources === null ? 0 : CACHE_SLOTS_4;
    const n6 = sources === null ? 0 : CACHE_SLOTS_6;
    this.keys4 = new Uint32Array(n4);
    this.countries4 = new Uint16Array(n4);
    this.asns4 = new Uint32Array(n4);
    this.keys6 = new Uint32Array(n6 * 4);
    this.filled6 = new Uint8Array(n6);
    this.countries6 = new Uint16Array(n6);
    this.asns6 = new Uint32Array(n6);
    // Empty slots hold key 0, which would read as a cached 0.0.0.0 in the slot
    // 0.0.0.0 hashes to. Give that slot key 1 instead: 1 hashes elsewhere, so
    // it can never be a false hit there.
    if (n4 > 0) this.keys4[cacheSlot4(0)] = 1;
  }

  /** For --no-enrich: every lookup answers '' / 0. */
  static disabled(): Enricher {
    return new Enricher(null);
  }

  get enabled(): boolean {
    return this.sources !== null;
  }

  /** Database lookups so far (cache misses), for tuning and metrics. */
  get misses(): { readonly ipv4: number; readonly ipv6: number } {
    return { ipv4: this.misses4, ipv6: this.misses6 };
  }

  /**
   * Country and ASN of an IPv4 address (unsigned 32-bit), written into `out`
   * and returned. Pass `out` on the hot path: a cache hit then allocates nothing.
   */
  lookup4(addr: number, out: GeoAsn = { country: '', asn: 0 }): GeoAsn {
    if (this.sources === null) {
      out.country = '';
      out.asn = 0;
      return out;
    }
    const a = addr >>> 0;
    const slot = cacheSlot4(a);
    if (this.keys4[slot] !== a) this.fill4(slot, a, this.sources);
    out.country = this.countryNames[this.countries4[slot]];
    out.asn = this.asns4[slot];
    return out;
  }

  /** As lookup4, for a 16-byte IPv6 address. */
  lookup6(addr: Uint8Array, out: GeoAsn = { country: '', asn: 0 }): GeoAsn {
    if (this.sources === null) {
      out.country = '';
      out.asn = 0;
      return out;
    }
    const w0 = word(addr, 0);
    const w1 = word(addr, 4);
    const w2 = word(addr, 8);
    const w3 = word(addr, 12);
    const slot = slot6(w0, w1, w2, w3);
    const k = slot << 2;
    const keys = this.keys6;
    if (this.filled6[slot] === 0 || keys[k] !== w0 || keys[k + 1] !== w1 || keys[k + 2] !== w2 || keys[k + 3] !== w3) {
      this.fill6(slot, addr, this.sources);
    }
    out.country = this.countryNames[this.countries6[slot]];
    out.asn = this.asns6[slot];
    return out;
  }

  private fill4(slot: number, a: number, src: EnrichSources): void {
    const special = isSpecial4(a);
    this.countries4[slot] = this.intern(special ? '' : src.country.country4(a));
    this.asns4[slot] = special ? 0 : src.asn.asn4(a);
    this.keys4[slot] = a;
    this.misses4++;
  }

  private fill6(slot: number, addr: Uint8Array, src: EnrichSources): void {
    const special = isSpecial6(addr);
    this.countries6[slot] = this.intern(special ? '' : src.country.country6(addr));
    this.asns6[slot] = special ? 0 : src.asn.asn6(addr);
    const k = slot << 2;
    this.keys6[k] = word(addr, 0);
    this.keys6[k + 1] = word(addr, 4);
    this.keys6[k + 2] = word(addr, 8);
    this.keys6[k + 3] = word(addr, 12);
    this.filled6[slot] = 1;
    this.misses6++;
  }

  private intern(country: string): number {
    let id = this.countryIds.get(country);
    if (id === undefined) {
      id = this.countryNames.length;
      if (id > 0xffff) return 0; // cannot happen with ISO codes; never overflow the Uint16 slots
      this.countryNames.push(country);
      this.countryIds.set(country, id);
    }
    return id;
  }
}

/** Open the databases named by `opts` (or the bundled ones) and return a cached enricher. */
export async function createEnricher(opts: EnrichOptions = {}): Promise<Enricher> {
  const country = opts.geoipPath !== undefined
    ? await userCountry(opts.geoipPath)
    : await bundledCountry();
  const asn = opts.asnDbPath !== undefined
    ? await userAsn(opts.asnDbPath)
    : await bundledAsn();
  return new Enricher({ country, asn });
}

class MmdbCountry implements CountrySource {
  /** `v6` null: the database cannot answer IPv6 lookups. */
  constructor(private readonly v4: MmdbField<string>, private readonly v6: MmdbField<string> | null) {}

  country4(addr: number): string {
    return this.v4.get4(addr);
  }

  country6(addr: Uint8Array): string {
    return this.v6 === null ? '' : this.v6.get6(addr);
  }
}

class MmdbAsn implements AsnSource {
  /** An IPv4-only file answers IPv6 lookups with 0 (MmdbFile.pointer6). */
  constructor(private readonly field: MmdbField<number>) {}

  asn4(addr: number): number {
    return this.field.get4(addr);
  }

  asn6(addr: Uint8Array): number {
    return this.field.get6(addr);
  }
}

class CsvAsn implements AsnSource {
  private v6: Ranges6 | null = null;

  constructor(private readonly v4: Ranges4, private readonly v6Path: string) {}

  asn4(addr: number): number {
    const i = this.v4.indexOf(addr);
    return i < 0 ? 0 : this.v4.values[i];
  }

  asn6(addr: Uint8Array): number {
    const table = this.v6 ?? (this.v6 = loadAsn6Sync(this.v6Path));
    const i = table.indexOf(addr);
    return i < 0 ? 0 : table.values[i];
  }
}

async function userCountry(path: string): Promise<CountrySource> {
  const field = new MmdbField(await openMmdb(path, 'GeoIP country'), countryOfRecord, '');
  return new MmdbCountry(field, field);
}

async function userAsn(path: string): Promise<AsnSource> {
  return new MmdbAsn(new MmdbField(await openMmdb(path, 'ASN'), asnOfRecord, 0));
}

async function bundledCountry(): Promise<CountrySource> {
  const pkg = '@ip-location-db/geo-whois-asn-country-mmdb';
  const v4 = await openMmdb(packageFile(pkg, 'geo-whois-asn-country-ipv4.mmdb'), 'bundled country');
  const v6 = await openMmdb(packageFile(pkg, 'geo-whois-asn-country-ipv6.mmdb'), 'bundled country');
  return new MmdbCountry(new MmdbField(v4, countryOfRecord, ''), new MmdbField(v6, countryOfRecord, ''));
}

async function bundledAsn(): Promise<AsnSource> {
  const v4Path = packageFile('@ip-location-db/asn', 'asn-ipv4-num.csv');
  const v6Path = packageFile('@ip-location-db/asn', 'asn-ipv6-num.csv');
  let buf: Buffer;
  try {
    buf = await readFile(v4Path);
    await access(v6Path, constants.R_OK);
  } catch (err) {
    throw unreadable(err, (err as NodeJS.ErrnoException).path ?? v4Path);
  }
  return new CsvAsn(parseAsnCsv4(buf, v4Path), v6Path);
}

function loadAsn6Sync(path: string): Ranges6 {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw unreadable(err, path);
  }
  return parseAsnCsv6(text, path);
}

function unreadable(err: unknown, path: string): DarkscopeError {
  const why = (err as NodeJS.ErrnoException).code ?? String(err);
  return new DarkscopeError('ENRICH_DB', `cannot read ASN table ${path} (${why})`, { file: path }, { cause: err });
}

/** Absolute path of a file shipped in an installed package. */
function packageFile(pkg: string, file: string): string {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  } catch (err) {
    throw new DarkscopeError('ENRICH_DB', `package ${pkg} is not installed`, {}, { cause: err });
  }
  return join(dirname(manifest), file);
}
