import { describe, expect, it } from 'vitest';

import { ErrorCodes, isDarkscopeError, type DarkscopeError } from '../../src/errors.js';
import { parseAsnCsv4, parseAsnCsv6 } from '../../src/ingest/classify/asn-csv.js';
import { parseIPv6 } from '../../src/net/ip-parse.js';

const csv = (text: string): Buffer => Buffer.from(text, 'utf8');

function v6(text: string): Uint8Array {
  const a = parseIPv6(text);
  if (a === null) throw new Error(`bad test address ${text}`);
  return a;
}

function v6num(text: string): string {
  let n = 0n;
  for (const b of v6(text)) n = (n << 8n) | BigInt(b);
  return n.toString();
}

function errorOf(fn: () => unknown): DarkscopeError {
  try {
    fn();
  } catch (e) {
    if (isDarkscopeError(e)) return e;
    throw e;
  }
  throw new Error('expected a DarkscopeError');
}

function asnAt4(table: ReturnType<typeof parseAsnCsv4>, addr: number): number {
  const i = table.indexOf(addr);
  return i < 0 ? 0 : table.values[i];
}

describe('parseAsnCsv4', () => {
  const table = parseAsnCsv4(csv([
    '16777216,16777471,13335,"Cloudflare, Inc."',
    '16778240,16779263,38803,Gtelecom Pty Ltd',
    '16779264,16779264,7,"A ""quoted"" org, with commas"',
    '4294967040,4294967295,4294967294,Top',
  ].join('\n')), 'asn-ipv4-num.csv');

  it('reads every row, quoted organisations included', () => {
    expect(table.size).toBe(4);
  });

  it.each([
    [0, 0],
    [16777215, 0], // just before the first range
    [16777216, 13335], // first address
    [16777300, 13335],
    [16777471, 13335], // last address
    [16777472, 0], // gap
    [16778239, 0],
    [16778240, 38803],
    [16779263, 38803],
    [16779264, 7], // one-address range right after another
    [16779265, 0],
    [4294967039, 0],
    [4294967040, 4294967294],
    [4294967295, 4294967294], // 255.255.255.255, ASN above 2^31
  ])('address %i → AS%i', (addr, asn) => {
    expect(asnAt4(table, addr)).toBe(asn);
  });

  it('CRLF line ends, blank lines and a missing final newline', () => {
    const t = parseAsnCsv4(csv('10,19,1,a\r\n\r\n20,29,2,b\r\n30,39,3,c'), 'x.csv');
    expect(t.size).toBe(3);
    expect([asnAt4(t, 15), asnAt4(t, 25), asnAt4(t, 39), asnAt4(t, 40)]).toEqual([1, 2, 3, 0]);
  });

  it('a row with only three fields is fine', () => {
    expect(asnAt4(parseAsnCsv4(csv('10,19,64500\n'), 'x.csv'), 12)).toBe(64500);
  });

  it('an overlapping row cuts the previous one short (the later row wins)', () => {
    const t = parseAsnCsv4(csv('100,200,749,DoD\n150,250,721,DoD NIC\n'), 'x.csv');
    expect([asnAt4(t, 100), asnAt4(t, 149), asnAt4(t, 150), asnAt4(t, 200), asnAt4(t, 250), asnAt4(t, 251)])
      .toEqual([749, 749, 721, 721, 721, 0]);
  });

  it.each([
    ['10,19,1,a\nx,29,2,b\n', 2, 'expected an unsigned 32-bit number'],
    ['10,19\n', 1, 'expected start,end,asn,...'],
    ['10;19;1\n', 1, 'expected start,end,asn,...'],
    ['10,4294967296,1,a\n', 1, 'expected an unsigned 32-bit number'],
    ['10,19,1,a\n30,20,2,b\n', 2, 'range ends before it starts'],
    ['10,19,1,a\n30,39,2,b\n20,29,3,c\n', 3, 'rows are not sorted by range start'],
    ['10,19,1,a\n10,29,2,b\n', 2, 'rows are not sorted by range start'],
    ['-1,19,1,a\n', 1, 'expected an unsigned 32-bit number'],
  ])('malformed table %j → ENRICH_DB at line %i', (text, line, what) => {
    const err = errorOf(() => parseAsnCsv4(csv(text), 'bad.csv'));
    expect(err.code).toBe(ErrorCodes.ENRICH_DB.code);
    expect(err.message).toBe(`ASN table bad.csv line ${line}: ${what}`);
    expect(err.details).toMatchObject({ file: 'bad.csv', line });
  });
});

describe('parseAsnCsv6', () => {
  const table = parseAsnCsv6([
    `${v6num('2001::')},${v6num('2001::ffff:ffff:ffff:ffff:ffff:ffff')},6939,Hurricane Electric LLC`,
    `${v6num('2001:4860::')},${v6num('2001:4860:4804:ffff:ffff:ffff:ffff:ffff')},15169,Google LLC`,
    `${v6num('2001:4860:4805::')},${v6num('2001:4860:4805:ffff:ffff:ffff:ffff:ffff')},43515,"Google Ireland, Limited"`,
    `${v6num('2001:4860:4806::')},${v6num('2001:4860:ffff:ffff:ffff:ffff:ffff:ffff')},15169,Google LLC`,
    `${v6num('ffff::')},${v6num('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')},4200000000,Top`,
    '',
  ].join('\n'), 'asn-ipv6-num.csv');

  const asnAt = (text: string): number => {
    const i = table.indexOf(v6(text));
    return i < 0 ? 0 : table.values[i];
  };

  it.each([
    ['::', 0],
    ['2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 0],
    ['2001::', 6939],
    ['2001::ffff:ffff:ffff:ffff:ffff:ffff', 6939],
    ['2001:1::', 0],
    ['2001:4860:4860::8888', 15169],
    ['2001:4860:4805::1', 43515],
    ['2001:4860:4804:ffff:ffff:ffff:ffff:ffff', 15169],
    ['2001:4860:4806::', 15169],
    ['2001:4861::', 0],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 4200000000],
  ])('%s → AS%i', (addr, asn) => {
    expect(asnAt(addr)).toBe(asn);
  });

  it('words compare unsigned: addresses whose 32-bit words have the top bit set', () => {
    const t = parseAsnCsv6(`${v6num('8000::')},${v6num('8000::ffff')},1,a\n${v6num('8000::8000:0')},${v6num('8000::ffff:ffff')},2,b\n`, 'x');
    const at = (s: string): number => { const i = t.indexOf(v6(s)); return i < 0 ? 0 : t.values[i]; };
    expect([at('8000::1'), at('8000::1:0'), at('8000::8000:1'), at('8000::ffff:ffff'), at('7fff::')]).toEqual([1, 0, 2, 2, 0]);
  });

  it('overlaps and errors as for IPv4', () => {
    const t = parseAsnCsv6('100,200,1\n150,250,2\n', 'x');
    expect(t.size).toBe(2);
    const err = errorOf(() => parseAsnCsv6('100,200,1\n50,60,2\n', 'y.csv'));
    expect(err.code).toBe(ErrorCodes.ENRICH_DB.code);
    expect(err.message).toBe('ASN table y.csv line 2: rows are not sorted by range start');
    expect(errorOf(() => parseAsnCsv6('1,2\n', 'z')).message).toBe('ASN table z line 1: expected start,end,asn,...');
    expect(errorOf(() => parseAsnCsv6(`1,${(1n << 128n).toString()},3\n`, 'z')).message).toBe('ASN table z line 1: number out of range');
    expect(errorOf(() => parseAsnCsv6('1,2,abc\n', 'z')).message).toBe('ASN table z line 1: expected unsigned decimal numbers');
  });
});
