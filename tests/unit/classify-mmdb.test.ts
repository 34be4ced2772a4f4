import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { Reader, type Response } from 'mmdb-lib';
import { describe, expect, it } from 'vitest';

import {
  asnOfRecord,
  countryOfRecord,
  ipv4Text,
  ipv6Text,
  MmdbField,
  MmdbFile,
} from '../../src/ingest/classify/mmdb.js';
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

function open(buf: Buffer): MmdbFile {
  return new MmdbFile(buf, new Reader<Response>(buf));
}

/** Deterministic pseudo-random 32-bit numbers. */
function* lcg(seed: number): Generator<number> {
  let x = seed >>> 0;
  for (;;) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    yield Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
  }
}

describe('record shapes', () => {
  it('country: ip-location-db country_code, MaxMind country.iso_code, registered_country fallback', () => {
    expect(countryOfRecord({ country_code: 'JP' })).toBe('JP');
    expect(countryOfRecord({ country: { iso_code: 'DE', names: { en: 'Germany' } }, registered_country: { iso_code: 'FR' } })).toBe('DE');
    expect(countryOfRecord({ registered_country: { iso_code: 'FR' }, continent: { code: 'EU' } })).toBe('FR');
    expect(countryOfRecord({ continent: { code: 'EU' } })).toBe('');
    expect(countryOfRecord({ country_code: 'USA' })).toBe('');
    expect(countryOfRecord({ country_code: 7 })).toBe('');
    expect(countryOfRecord(null)).toBe('');
    expect(countryOfRecord('US')).toBe('');
  });

  it('asn: autonomous_system_number', () => {
    expect(asnOfRecord({ autonomous_system_number: 15169, autonomous_system_organization: 'GOOGLE' })).toBe(15169);
    expect(asnOfRecord({ autonomous_system_number: 4294967294 })).toBe(4294967294);
    expect(asnOfRecord({ autonomous_system_number: -1 })).toBe(0);
    expect(asnOfRecord({ autonomous_system_number: 1.5 })).toBe(0);
    expect(asnOfRecord({ autonomous_system_number: '15169' })).toBe(0);
    expect(asnOfRecord({ asn: 15169 })).toBe(0);
    expect(asnOfRecord(null)).toBe(0);
  });

  it('address text that mmdb-lib parses', () => {
    expect(ipv4Text(v4('198.51.100.255'))).toBe('198.51.100.255');
    expect(ipv4Text(0)).toBe('0.0.0.0');
    expect(ipv4Text(0xffffffff)).toBe('255.255.255.255');
    expect(ipv6Text(v6('2001:db8::8:800:200c:417a'))).toBe('2001:db8:0:0:8:800:200c:417a');
    expect(ipv6Text(v6('::'))).toBe('0:0:0:0:0:0:0:0');
  });
});

describe('MmdbFile tree walk on generated databases', () => {
  const nets = [
    { cidr: '8.8.8.0/24', data: { country: { iso_code: 'US' }, autonomous_system_number: 15169 } },
    { cidr: '1.1.1.0/24', data: { registered_country: { iso_code: 'AU' }, autonomous_system_number: 13335 } },
    { cidr: '128.0.0.0/2', data: { country: { iso_code: 'ZZ' } } },
    { cidr: '203.0.113.7/32', data: { country: { iso_code: 'NZ' }, autonomous_system_number: 64500 } },
  ];
  const nets6 = [
    { cidr: '2001:4860::/32', data: { country: { iso_code: 'US' }, autonomous_system_number: 15169 } },
    { cidr: 'ff00::/8', data: { country: { iso_code: 'XX' } } },
  ];
  const probes4: Array<[string, string, number]> = [
    ['8.8.8.8', 'US', 15169], ['8.8.8.0', 'US', 15169], ['8.8.8.255', 'US', 15169], ['8.8.9.0', '', 0], ['8.8.7.255', '', 0],
    ['1.1.1.1', 'AU', 13335], ['128.0.0.0', 'ZZ', 0], ['191.255.255.255', 'ZZ', 0], ['192.0.0.0', '', 0], ['127.255.255.255', '', 0],
    ['203.0.113.7', 'NZ', 64500], ['203.0.113.6', '', 0], ['0.0.0.0', '', 0], ['255.255.255.255', '', 0],
  ];

  // Record sizes 28 and 32 with the data placed past 2^24 bytes, so pointers use the high nibble / high byte.
  for (const [recordSize, pad] of [[24, 0], [28, 0], [28, (1 << 24) + 3], [32, 0], [32, (1 << 24) + 3]] as const) {
    for (const ipVersion of [4, 6] as const) {
      it(`record size ${recordSize}, IPv${ipVersion} tree, data offset +${pad}`, () => {
        const buf = buildMmdb({ ipVersion, recordSize, nets: ipVersion === 6 ? [...nets, ...nets6] : nets, dataPad: pad });
        const file = open(buf);
        expect(file.ipVersion).toBe(ipVersion);
        const country = new MmdbField(file, countryOfRecord, '');
        const asn = new MmdbField(file, asnOfRecord, 0);
        for (const [addr, cc, as] of probes4) {
          expect(country.get4(v4(addr)), addr).toBe(cc);
          expect(asn.get4(v4(addr)), addr).toBe(as);
          // Twice: the second answer comes from the per-pointer memo.
          expect(country.get4(v4(addr)), addr).toBe(cc);
        }
        if (pad > 0) expect(file.pointer4(v4('8.8.8.8'))).toBeGreaterThan(1 << 24);
        if (ipVersion === 6) {
          expect(country.get6(v6('2001:4860:4860::8888'))).toBe('US');
          expect(asn.get6(v6('2001:4860:4860::8888'))).toBe(15169);
          expect(country.get6(v6('2001:4861::'))).toBe('');
          expect(country.get6(v6('ff02::1'))).toBe('XX');
          expect(country.get6(v6('::808:808'))).toBe('US'); // IPv4 lives under ::/96
        } else {
          expect(file.pointer6(v6('2001:4860:4860::8888'))).toBe(0);
          expect(country.get6(v6('2001:4860:4860::8888'))).toBe('');
        }
      });
    }
  }
});

const POPULATED_16 = [0x2001, 0x2400, 0x2401, 0x2403, 0x2404, 0x2600, 0x2601, 0x2602, 0x2603, 0x2604, 0x2605,
  0x2606, 0x2607, 0x2620, 0x2800, 0x2804, 0x2a00, 0x2a01, 0x2a02, 0x2a03, 0x2a04, 0x2a05, 0x2a06, 0x2a0b, 0x2c0f];

describe('MmdbFile agrees with mmdb-lib on the bundled databases', () => {
  const dir = dirname(createRequire(import.meta.url).resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json'));

  for (const name of ['geo-whois-asn-country-ipv4.mmdb', 'geo-whois-asn-country-ipv6.mmdb', 'geo-whois-asn-country.mmdb']) {
    it(name, () => {
      const buf = readFileSync(join(dir, name));
      const reader = new Reader<Response>(buf);
      const file = new MmdbFile(buf, reader);
      const field = new MmdbField(file, countryOfRecord, '');
      const rnd = lcg(name.length);
      let found = 0;
      for (let i = 0; i < 10000; i++) {
        const a = rnd.next().value as number;
        const expected = countryOfRecord(reader.get(ipv4Text(a)));
        if (file.ipVersion === 4 || i % 2 === 0) {
          expect(field.get4(a), ipv4Text(a)).toBe(expected);
          expect(file.pointer4(a) === 0, ipv4Text(a)).toBe(reader.get(ipv4Text(a)) === null);
          if (expected !== '') found++;
        } else {
          // Random addresses under /16s where RIRs allocate, so that most have a record.
          const b = new Uint8Array(16);
          const view = new DataView(b.buffer);
          for (let j = 0; j < 16; j += 4) view.setUint32(j, rnd.next().value as number);
          view.setUint16(0, POPULATED_16[(rnd.next().value as number) % POPULATED_16.length]);
          const expected6 = countryOfRecord(reader.get(ipv6Text(b)));
          expect(field.get6(b), ipv6Text(b)).toBe(expected6);
          if (expected6 !== '') found++;
        }
      }
      expect(found).toBeGreaterThan(500); // the comparison covered real records, not only misses
    });
  }
});
