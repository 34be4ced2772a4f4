import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ErrorCodes, isDarkscopeError, type DarkscopeError } from '../../src/errors.js';
import {
  CACHE_SLOTS_4,
  cacheSlot4,
  cacheSlot6,
  createEnricher,
  Enricher,
  type AsnSource,
  type CountrySource,
} from '../../src/ingest/classify/enrich.js';
import { isSpecial4, isSpecial6 } from '../../src/ingest/classify/special-addresses.js';
import { parseIPv4, parseIPv6 } from '../../src/net/ip-parse.js';
import { buildMmdb } from './classify-mmdb-writer.js';

function v4(text: string): number {
  const a = parseIPv4(text);
  if (a === null) throw new Error(`bad test address ${text}`);
  return a;
}

function v6(text: string): Uint8Array {
  const a = parseIPv6(text);
  if (a === null) throw new Error(`bad test address ${text}`);
  return a;
}

async function rejection(p: Promise<unknown>): Promise<DarkscopeError> {
  const e = await p.then(() => null, (err: unknown) => err);
  if (!isDarkscopeError(e)) throw new Error(`expected a DarkscopeError, got ${String(e)}`);
  return e;
}

describe('bundled databases (ip-location-db)', () => {
  let enricher: Enricher;
  beforeAll(async () => {
    enricher = await createEnricher();
  });

  // Expected values are what the installed data says (@ip-location-db 2.3.2026061719):
  // geo-whois-asn-country places 1.1.1.1 in AU (APNIC's registration), not US.
  it.each([
    ['8.8.8.8', 'US', 15169],
    ['8.8.4.4', 'US', 15169],
    ['1.1.1.1', 'AU', 13335],
    ['1.0.0.1', 'AU', 13335],
  ])('%s → %s / AS%i', (addr, country, asn) => {
    expect(enricher.lookup4(v4(addr))).toEqual({ country, asn });
  });

  it.each([
    ['2001:4860:4860::8888', 'US', 15169],
    ['2606:4700:4700::1111', 'US', 13335],
  ])('%s → %s / AS%i (IPv6 ASN table loaded on first use)', (addr, country, asn) => {
    expect(enricher.lookup6(v6(addr))).toEqual({ country, asn });
  });

  it.each([
    '10.1.2.3', '172.16.0.1', '192.168.1.1', '127.0.0.1', '100.64.0.1', '169.254.1.1',
    '192.0.2.1', '198.51.100.7', '203.0.113.9', '224.0.0.1', '255.255.255.255', '0.0.0.0',
  ])('special-purpose %s → \'\' / 0 (the data maps some of these to AU)', (addr) => {
    expect(enricher.lookup4(v4(addr))).toEqual({ country: '', asn: 0 });
  });

  it.each(['::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:8.8.8.8', '2001:db8::1', '3fff::1'])(
    'special-purpose %s → \'\' / 0', (addr) => {
      expect(enricher.lookup6(v6(addr))).toEqual({ country: '', asn: 0 });
    });

  it('fills and returns the caller\'s object', () => {
    const out = { country: 'x', asn: 1, other: true };
    expect(enricher.lookup4(v4('8.8.8.8'), out)).toBe(out);
    expect(out).toEqual({ country: 'US', asn: 15169, other: true });
    expect(enricher.lookup6(v6('::1'), out)).toBe(out);
    expect(out).toEqual({ country: '', asn: 0, other: true });
  });

  it('repeated lookups are served from the cache', () => {
    const a = v4('9.9.9.9');
    const first = enricher.lookup4(a);
    const before = enricher.misses;
    for (let i = 0; i < 10; i++) expect(enricher.lookup4(a)).toEqual(first);
    expect(enricher.lookup4(a | 0)).toEqual(first); // sign-extended input, same key
    expect(enricher.misses).toEqual(before);
    const b = v6('2a00:1450:4001::1');
    const first6 = enricher.lookup6(b);
    const before6 = enricher.misses;
    expect(enricher.lookup6(Uint8Array.from(b))).toEqual(first6);
    expect(enricher.misses).toEqual(before6);
  });
});

/** Sources that answer from the address itself and count their calls. */
function fakeSources(): { country: CountrySource; asn: AsnSource; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    country: {
      country4: (a) => { calls.push(a); return a % 2 === 0 ? 'EV' : 'OD'; },
      country6: (b) => { calls.push(b[15]); return 'SI'; },
    },
    asn: { asn4: (a) => (a % 100000) + 1, asn6: (b) => 60000 + b[15] },
  };
}

describe('Enricher cache', () => {
  it('colliding IPv4 addresses evict each other and always get their own answers', () => {
    const src = fakeSources();
    const e = new Enricher(src);
    const a = v4('8.0.0.1');
    let b = a + 1;
    while (cacheSlot4(b) !== cacheSlot4(a)) b++;
    expect(b).not.toBe(a);
    const expectA = { country: 'OD', asn: (a % 100000) + 1 };
    const expectB = { country: b % 2 === 0 ? 'EV' : 'OD', asn: (b % 100000) + 1 };
    expect(e.lookup4(a)).toEqual(expectA);
    expect(e.lookup4(a)).toEqual(expectA);
    expect(e.lookup4(b)).toEqual(expectB);
    expect(e.lookup4(a)).toEqual(expectA);
    expect(e.lookup4(b)).toEqual(expectB);
    expect(src.calls).toEqual([a, b, a, b]);
    expect(e.misses.ipv4).toBe(4);
  });

  it('with three times more addresses than slots, every answer is still right', () => {
    const src = fakeSources();
    const e = new Enricher(src);
    const out = { country: '', asn: 0 };
    let wrong = 0;
    let checked = 0;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3 * CACHE_SLOTS_4; i++) {
        const a = (0x08000000 + Math.imul(i, 0x9e3779b1)) >>> 0;
        if (isSpecial4(a)) continue;
        e.lookup4(a, out);
        if (out.asn !== (a % 100000) + 1 || out.country !== (a % 2 === 0 ? 'EV' : 'OD')) wrong++;
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300000);
    expect(wrong).toBe(0);
  });

  it('0.0.0.0 is not a false hit on an empty slot', () => {
    const e = new Enricher(fakeSources());
    expect(e.misses.ipv4).toBe(0);
    expect(e.lookup4(0)).toEqual({ country: '', asn: 0 });
    expect(e.misses.ipv4).toBe(1);
    expect(e.lookup4(0)).toEqual({ country: '', asn: 0 });
    expect(e.misses.ipv4).toBe(1);
    // And the address whose key the empty slot 0 holds (1) is looked up for real.
    const src = fakeSources();
    const e2 = new Enricher(src);
    expect(cacheSlot4(1)).not.toBe(cacheSlot4(0));
    e2.lookup4(v4('8.0.0.0'));
    expect(src.calls).toEqual([v4('8.0.0.0')]);
  });

  it('colliding IPv6 addresses evict each other and always get their own answers', () => {
    const src = fakeSources();
    const e = new Enricher(src);
    const a = v6('2001:4860::1');
    const b = Uint8Array.from(a);
    for (let i = 2; ; i++) {
      b[14] = i >>> 8;
      b[15] = i & 255;
      if (cacheSlot6(b) === cacheSlot6(a)) break;
    }
    expect(e.lookup6(a)).toEqual({ country: 'SI', asn: 60001 });
    expect(e.lookup6(b)).toEqual({ country: 'SI', asn: 60000 + b[15] });
    expect(e.lookup6(a)).toEqual({ country: 'SI', asn: 60001 });
    expect(e.misses.ipv6).toBe(3);
    expect(e.lookup6(Uint8Array.from(a))).toEqual({ country: 'SI', asn: 60001 });
    expect(e.misses.ipv6).toBe(3);
  });

  it('special-purpose sources never reach the databases', () => {
    const src = fakeSources();
    const e = new Enricher(src);
    expect(e.lookup4(v4('192.168.7.7'))).toEqual({ country: '', asn: 0 });
    expect(e.lookup6(v6('fe80::1'))).toEqual({ country: '', asn: 0 });
    expect(src.calls).toEqual([]);
  });
});

describe('Enricher.disabled', () => {
  it('answers \'\' / 0 for everything and is not enabled', () => {
    const e = Enricher.disabled();
    expect(e.enabled).toBe(false);
    expect(e.lookup4(v4('8.8.8.8'))).toEqual({ country: '', asn: 0 });
    expect(e.lookup6(v6('2001:4860:4860::8888'))).toEqual({ country: '', asn: 0 });
    const out = { country: 'US', asn: 1 };
    expect(e.lookup4(v4('8.8.8.8'), out)).toBe(out);
    expect(out).toEqual({ country: '', asn: 0 });
  });
});

describe('user-supplied MaxMind databases', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'darkscope-enrich-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('GeoLite2-Country and GeoLite2-ASN shaped files (IPv6 trees, 28-bit records)', async () => {
    const geoipPath = join(dir, 'country.mmdb');
    const asnDbPath = join(dir, 'asn.mmdb');
    await writeFile(geoipPath, buildMmdb({
      ipVersion: 6, recordSize: 28, databaseType: 'GeoLite2-Country',
      nets: [
        { cidr: '8.8.8.0/24', data: { country: { iso_code: 'US' }, registered_country: { iso_code: 'US' } } },
        { cidr: '1.1.1.0/24', data: { registered_country: { iso_code: 'AU' } } },
        { cidr: '2001:4860::/32', data: { country: { iso_code: 'US' } } },
      ],
    }));
    await writeFile(asnDbPath, buildMmdb({
      ipVersion: 6, recordSize: 24, databaseType: 'GeoLite2-ASN',
      nets: [
        { cidr: '8.8.8.0/24', data: { autonomous_system_number: 15169, autonomous_system_organization: 'GOOGLE' } },
        { cidr: '2001:4860::/32', data: { autonomous_system_number: 15169, autonomous_system_organization: 'GOOGLE' } },
      ],
    }));
    const e = await createEnricher({ geoipPath, asnDbPath });
    expect(e.enabled).toBe(true);
    expect(e.lookup4(v4('8.8.8.8'))).toEqual({ country: 'US', asn: 15169 });
    expect(e.lookup4(v4('1.1.1.1'))).toEqual({ country: 'AU', asn: 0 });
    expect(e.lookup4(v4('9.9.9.9'))).toEqual({ country: '', asn: 0 });
    expect(e.lookup6(v6('2001:4860:4860::8888'))).toEqual({ country: 'US', asn: 15169 });
    expect(e.lookup6(v6('2a00::1'))).toEqual({ country: '', asn: 0 });
  });

  it('an IPv4-only file answers IPv6 lookups with nothing', async () => {
    const asnDbPath = join(dir, 'asn4.mmdb');
    await writeFile(asnDbPath, buildMmdb({
      ipVersion: 4, recordSize: 24,
      nets: [{ cidr: '0.0.0.0/1', data: { autonomous_system_number: 64500 } }],
    }));
    const e = await createEnricher({ asnDbPath });
    expect(e.lookup4(v4('8.8.8.8'))).toEqual({ country: 'US', asn: 64500 }); // country from the bundled data
    expect(e.lookup6(v6('2001:4860:4860::8888'))).toEqual({ country: 'US', asn: 0 });
  });

  it('the bundled combined (IPv4+IPv6) country file works as --geoip', async () => {
    const { createRequire } = await import('node:module');
    const { dirname } = await import('node:path');
    const pkg = dirname(createRequire(import.meta.url).resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json'));
    const e = await createEnricher({ geoipPath: join(pkg, 'geo-whois-asn-country.mmdb') });
    expect(e.lookup4(v4('8.8.8.8'))).toEqual({ country: 'US', asn: 15169 });
    expect(e.lookup6(v6('2001:4860:4860::8888'))).toEqual({ country: 'US', asn: 15169 });
  });

  it('a missing file is ENRICH_DB naming it', async () => {
    const missing = join(dir, 'GeoLite2-Country.mmdb');
    const err = await rejection(createEnricher({ geoipPath: missing }));
    expect(err.code).toBe(ErrorCodes.ENRICH_DB.code);
    expect(err.message).toBe(`cannot read GeoIP country database ${missing} (ENOENT)`);
    expect(err.details.file).toBe(missing);
  });

  it('a file that is not an mmdb is ENRICH_DB naming it', async () => {
    const junk = join(dir, 'junk.mmdb');
    await writeFile(junk, 'this is not a MaxMind database\n'.repeat(10));
    const err = await rejection(createEnricher({ asnDbPath: junk }));
    expect(err.code).toBe(ErrorCodes.ENRICH_DB.code);
    expect(err.message.startsWith(`ASN database ${junk} is not a usable MaxMind DB file (`)).toBe(true);
  });

  it('a directory is ENRICH_DB', async () => {
    const err = await rejection(createEnricher({ geoipPath: dir }));
    expect(err.code).toBe(ErrorCodes.ENRICH_DB.code);
    expect(err.message).toBe(`cannot read GeoIP country database ${dir} (EISDIR)`);
  });
});

describe('special-purpose address tables', () => {
  it.each([
    ['0.255.255.255', true], ['1.0.0.0', false], ['9.255.255.255', false], ['10.0.0.0', true], ['11.0.0.0', false],
    ['100.63.255.255', false], ['100.64.0.0', true], ['100.127.255.255', true], ['100.128.0.0', false],
    ['172.15.255.255', false], ['172.16.0.0', true], ['172.31.255.255', true], ['172.32.0.0', false],
    ['192.0.1.255', false], ['192.0.0.9', true], ['192.88.99.1', false], ['198.17.255.255', false], ['198.18.0.0', true],
    ['198.19.255.255', true], ['198.20.0.0', false], ['223.255.255.255', false], ['224.0.0.0', true], ['240.0.0.1', true],
  ])('IPv4 %s special: %s', (addr, special) => {
    expect(isSpecial4(v4(addr))).toBe(special);
  });

  it.each([
    ['2000::', false], ['3fff:ffff::', false], ['3fff:fff::', true], ['3ffe::', false], ['4000::', true], ['1fff::', true],
    ['2001:db8::', true], ['2001:db9::', false], ['2001:db7::', false], ['64:ff9b::1', true], ['100::1', true],
  ])('IPv6 %s special: %s', (addr, special) => {
    expect(isSpecial6(v6(addr))).toBe(special);
  });
});
