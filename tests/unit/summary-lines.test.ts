import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DarkscopeError, ErrorCodes } from '../../src/errors.js';
import type { PacketSummary } from '../../src/ingest/packet.js';
import {
  createSummaryStats,
  MAX_LINE_BYTES,
  parseIPv4,
  parseIPv6,
  readSummaryLines,
  sniffSummaryFormat,
  SUMMARY_FORMAT_TRAITS,
  type SummaryFormat,
  type SummaryLineResult,
  type SummaryStats,
} from '../../src/ingest/summary/index.js';
import { parseTimestampNumber, parseTimestampText } from '../../src/ingest/summary/timestamp-text.js';

// ---------------------------------------------------------------- helpers

/** A Readable that hands out `text` in chunks of `size` bytes (splitting characters too). */
function chunked(text: string | Buffer, size = 64 * 1024): Readable {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

interface ReadOutcome {
  batches: SummaryLineResult[][];
  results: SummaryLineResult[];
  stats: SummaryStats;
}

async function readAll(
  text: string | Buffer,
  format: SummaryFormat,
  { chunkSize, batchSize, holdPartialLine }: { chunkSize?: number; batchSize?: number; holdPartialLine?: boolean } = {},
): Promise<ReadOutcome> {
  const stats = createSummaryStats();
  const batches: SummaryLineResult[][] = [];
  for await (const batch of readSummaryLines(chunked(text, chunkSize), { format, name: 'test-input', stats, batchSize, holdPartialLine })) {
    batches.push(batch);
  }
  return { batches, results: batches.flat(), stats };
}

function packets(results: SummaryLineResult[]): Array<{ line: number; packet: PacketSummary }> {
  return results.flatMap((r) => ('packet' in r ? [r] : []));
}

function bads(results: SummaryLineResult[]): Array<{ line: number; error: string }> {
  return results.flatMap((r) => ('packet' in r ? [] : [{ line: r.line, error: r.error }]));
}

function ip4(text: string): number {
  const n = parseIPv4(text);
  if (n === null) throw new Error(`bad test address ${text}`);
  return n;
}

const BASE: PacketSummary = {
  tsSec: 0, tsUsec: 0, ipVersion: 4, src4: 0, dst4: 0, src6: null, dst6: null, proto: 6,
  sport: 0, dport: 0, tcpFlags: 0, tcpSeq: 0, tcpWindow: 0, tcpOptions: false, ipId: 0,
  ttl: 0, ipLen: 0, icmpType: 0, icmpCode: 0, fragment: false,
};

const GOOD_JSON = (dport: number): string =>
  JSON.stringify({ ts: 1700000000, src: '198.51.100.7', dst: '192.0.2.1', proto: 'tcp', sport: 40000, dport, flags: 'S' });

// ---------------------------------------------------------------- addresses

describe('parseIPv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['1.2.3.4', 0x01020304],
    ['255.255.255.255', 0xffffffff],
    ['192.0.2.1', 0xc0000201],
  ])('parses %s', (text, value) => {
    expect(parseIPv4(text)).toBe(value);
  });

  it.each([
    '1.2.3', '1.2.3.4.5', '16909060', '01.2.3.4', '1.2.3.04', '256.1.1.1', '1.2.3.', '.1.2.3',
    '1..2.3', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4/24', '0x1.2.3.4', '', '::1', '1.2.3.4a',
  ])('rejects %j', (text) => {
    expect(parseIPv4(text)).toBeNull();
  });
});

describe('parseIPv6', () => {
  const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));

  it.each([
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1::', '00010000000000000000000000000000'],
    ['2001:db8::8:800:200c:417a', '20010db8000000000008080020 0c417a'.replace(' ', '')],
    ['2001:DB8:0:0:8:800:200C:417A', '20010db8000000000008080020 0c417a'.replace(' ', '')],
    ['ff01::101', 'ff010000000000000000000000000101'],
    ['::ffff:192.0.2.128', '00000000000000000000ffffc0000280'],
    ['::13.1.68.3', '0000000000000000000000000d014403'],
    ['0:0:0:0:0:0:13.1.68.3', '0000000000000000000000000d014403'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
  ])('parses %s', (text, bytes) => {
    expect(hex(parseIPv6(text))).toBe(bytes);
  });

  it.each([
    '', ':', ':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::',
    '12345::', 'g::1', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', 'fe80::1%eth0', '[::1]', '::1/128',
    '1.2.3.4', '::1.2.3', '::1.2.3.4:5', '1:2:3:4:5:6:7:1.2.3.4', '::256.1.1.1', ' ::1',
  ])('rejects %j', (text) => {
    expect(parseIPv6(text)).toBeNull();
  });
});

// ---------------------------------------------------------------- timestamps

describe('timestamp text', () => {
  it('reads epoch seconds and truncates past the microsecond', () => {
    expect(parseTimestampText('1700000000')).toEqual({ ok: true, tsSec: 1700000000, tsUsec: 0 });
    expect(parseTimestampText('1700000000.5')).toEqual({ ok: true, tsSec: 1700000000, tsUsec: 500000 });
    expect(parseTimestampText('1700000000.1234569')).toEqual({ ok: true, tsSec: 1700000000, tsUsec: 123456 });
    expect(parseTimestampNumber(1700000000.123456)).toEqual({ ok: true, tsSec: 1700000000, tsUsec: 123456 });
  });

  it('reads ISO 8601 with Z, offsets, or no zone (UTC by default)', () => {
    const want = { ok: true, tsSec: 1700000000, tsUsec: 250000 };
    expect(parseTimestampText('2023-11-14T22:13:20.25Z')).toEqual(want);
    expect(parseTimestampText('2023-11-14t22:13:20.25z')).toEqual(want);
    expect(parseTimestampText('2023-11-15T07:13:20.25+09:00')).toEqual(want);
    expect(parseTimestampText('2023-11-14T17:13:20,25-0500')).toEqual(want);
    expect(parseTimestampText('2023-11-14 22:13:20.25')).toEqual(want);
    expect(parseTimestampText('2023-11-15 07:13:20.25', 540)).toEqual(want);
  });

  it('checks the calendar', () => {
    expect(parseTimestampText('2024-02-29T00:00:00Z').ok).toBe(true);
    expect(parseTimestampText('2023-02-29T00:00:00Z')).toEqual({ ok: false, error: 'timestamp "2023-02-29T00:00:00Z" has day 29' });
    expect(parseTimestampText('2023-13-01T00:00:00Z').ok).toBe(false);
    expect(parseTimestampText('2023-04-31T00:00:00Z').ok).toBe(false);
    expect(parseTimestampText('2023-01-01T24:00:00Z').ok).toBe(false);
    expect(parseTimestampText('2016-12-31T23:59:60Z').ok).toBe(false);
    expect(parseTimestampText('2023-01-01T00:00Z').ok).toBe(false);
    expect(parseTimestampText('2023-01-01T00:00:00+24:00').ok).toBe(false);
  });

  it('keeps to the PacketSummary range', () => {
    expect(parseTimestampText('1970-01-01T00:00:00Z')).toEqual({ ok: true, tsSec: 0, tsUsec: 0 });
    expect(parseTimestampText('1970-01-01T08:59:59', 540).ok).toBe(false);
    expect(parseTimestampText('4294967295')).toEqual({ ok: true, tsSec: 4294967295, tsUsec: 0 });
    expect(parseTimestampText('4294967296')).toEqual({
      ok: false, error: 'timestamp "4294967296" is outside 1970-01-01T00:00:00Z..2106-02-07T06:28:15Z',
    });
    expect(parseTimestampNumber(-1).ok).toBe(false);
    expect(parseTimestampNumber(1e21).ok).toBe(false);
    expect(parseTimestampText('-5').ok).toBe(false);
    expect(parseTimestampText('1.7e9').ok).toBe(false);
  });
});

// ---------------------------------------------------------------- jsonl

describe('jsonl', () => {
  it('fills every field of a TCP/IPv4 line', async () => {
    const line = JSON.stringify({
      ts: 1700000000.123456, src: '198.51.100.7', dst: '192.0.2.1', proto: 6, sport: 40000, dport: 23,
      flags: 'SA', ttl: 51, ip_id: 54321, seq: 4294967295, window: 14600, len: 44, extra: 'ignored',
    });
    const { results, stats } = await readAll(`${line}\n`, 'jsonl');
    expect(results).toEqual([{
      line: 1,
      packet: {
        ...BASE, tsSec: 1700000000, tsUsec: 123456, src4: ip4('198.51.100.7'), dst4: ip4('192.0.2.1'),
        proto: 6, sport: 40000, dport: 23, tcpFlags: 0x12, tcpSeq: 4294967295, tcpWindow: 14600,
        ipId: 54321, ttl: 51, ipLen: 44,
      },
    }]);
    expect(stats).toEqual({ linesRead: 1, packets: 1, ignoredLines: 0, badLines: 0, badLineSamples: [], heldTailLines: 0 });
  });

  it('reads protocol names, flag letters, string numbers and ISO times', async () => {
    const lines = [
      { ts: '2023-11-14T22:13:20.5Z', src: '10.0.0.1', dst: '10.0.0.2', proto: 'UDP', sport: '53', dport: '33434', flags: '', ipId: 7, len: 28 },
      { ts: '1700000000', src: '10.0.0.1', dst: '10.0.0.2', proto: 'Tcp', sport: 1, dport: 2, flags: '[FSRP.UEWN]' },
      { ts: 1700000000, src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1, dport: 2, flags: '0x29' },
      { ts: 1700000000, src: '10.0.0.1', dst: '10.0.0.2', proto: '6', sport: 1, dport: 2, flags: 'none', seq: '12345' },
    ].map((o) => JSON.stringify(o)).join('\n');
    const got = packets((await readAll(lines, 'jsonl')).results).map((r) => r.packet);
    expect(got[0]).toEqual({
      ...BASE, tsSec: 1700000000, tsUsec: 500000, src4: ip4('10.0.0.1'), dst4: ip4('10.0.0.2'),
      proto: 17, sport: 53, dport: 33434, ipId: 7, ipLen: 28,
    });
    expect(got[1].tcpFlags).toBe(0x1ff);
    expect(got[2].tcpFlags).toBe(0x29);
    expect(got[3]).toMatchObject({ proto: 6, tcpFlags: 0, tcpSeq: 12345 });
  });

  it('keeps ICMP type/code and zeroes what ICMP does not have', async () => {
    const line = JSON.stringify({
      ts: 1, src: '203.0.113.9', dst: '192.0.2.200', proto: 'icmp', sport: null, dport: '', flags: null,
      icmp_type: 8, icmp_code: 0, ttl: 64, seq: 99, window: 5,
    });
    const { results } = await readAll(line, 'jsonl');
    expect(results).toEqual([{
      line: 1,
      packet: { ...BASE, tsSec: 1, src4: ip4('203.0.113.9'), dst4: ip4('192.0.2.200'), proto: 1, icmpType: 8, ttl: 64 },
    }]);
  });

  it('carries IPv6 through', async () => {
    const line = JSON.stringify({
      ts: 1700000000, src: '2001:db8::1', dst: '::ffff:192.0.2.1', proto: 'icmpv6', sport: 0, dport: 0,
      flags: 0, icmp_type: 128, icmp_code: 0, ttl: 64, ip_id: 5, len: 104,
    });
    const { results } = await readAll(line, 'jsonl');
    expect(results).toEqual([{
      line: 1,
      packet: {
        ...BASE, tsSec: 1700000000, ipVersion: 6,
        src6: Uint8Array.from(Buffer.from('20010db8000000000000000000000001', 'hex')),
        dst6: Uint8Array.from(Buffer.from('00000000000000000000ffffc0000201', 'hex')),
        proto: 58, icmpType: 128, ttl: 64, ipLen: 104,
      },
    }]);
  });

  it('counts every kind of bad line with its line number and keeps the good lines around them', async () => {
    const tcp = { ts: 1700000000, src: '198.51.100.7', dst: '192.0.2.1', proto: 'tcp', sport: 40000, dport: 23, flags: 'S' };
    const { ts: _ts, ...noTs } = tcp;
    const { dport: _dport, ...noDport } = tcp;
    const cases: Array<[string, string]> = [
      ['{"ts":', 'not valid JSON'],
      ['[1,2,3]', 'not a JSON object'],
      ['"just a string"', 'not a JSON object'],
      [JSON.stringify(noTs), 'missing "ts"'],
      [JSON.stringify({ ...tcp, ts: 'yesterday' }), 'timestamp "yesterday" is neither epoch seconds nor an ISO 8601 date-time'],
      [JSON.stringify({ ...tcp, ts: true }), '"ts" value true is not a number or a string'],
      [JSON.stringify({ ...tcp, ts: 5e9 }), 'timestamp "5000000000" is outside 1970-01-01T00:00:00Z..2106-02-07T06:28:15Z'],
      [JSON.stringify({ ...tcp, src: '1.2.3' }), '"src" value "1.2.3" is not an IPv4 or IPv6 address'],
      [JSON.stringify({ ...tcp, src: 16909060 }), '"src" value 16909060 is not an IPv4 or IPv6 address'],
      [JSON.stringify({ ...tcp, dst: '' }), '"dst" is empty'],
      [JSON.stringify({ ...tcp, dst: '2001:db8::1' }), '"src" is IPv4 but "dst" is IPv6'],
      [JSON.stringify({ ...tcp, proto: 'sctpx' }), '"proto" value "sctpx" is not a protocol number (0..255) or one of tcp, udp, icmp, icmpv6'],
      [JSON.stringify({ ...tcp, proto: 256 }), '"proto" value 256 is not an integer in 0..255'],
      [JSON.stringify({ ...tcp, sport: 70000 }), '"sport" value 70000 is not an integer in 0..65535'],
      [JSON.stringify({ ...tcp, sport: 1.5 }), '"sport" value 1.5 is not an integer in 0..65535'],
      [JSON.stringify({ ...tcp, sport: '-1' }), '"sport" value "-1" is not an integer in 0..65535'],
      [JSON.stringify(noDport), 'missing "dport"'],
      [JSON.stringify({ ...tcp, dport: null }), '"dport" is empty'],
      [JSON.stringify({ ...tcp, flags: 'SX' }), '"flags" value "SX" has "X"; use a number or the letters F S R P . (or A) U E W N'],
      [JSON.stringify({ ...tcp, flags: 512 }), '"flags" value 512 is not an integer in 0..511'],
      [JSON.stringify({ ...tcp, flags: [1] }), '"flags" value an array is not a number or a flag string'],
      [JSON.stringify({ ...tcp, ttl: 300 }), '"ttl" value 300 is not an integer in 0..255'],
      [JSON.stringify({ ...tcp, ipId: 'x' }), '"ipId" value "x" is not an integer in 0..65535'],
      [JSON.stringify({ ...tcp, len: 70000 }), '"len" value 70000 is not an integer in 0..65535'],
      [JSON.stringify({ ...tcp, icmp_code: 256 }), '"icmp_code" value 256 is not an integer in 0..255'],
      [JSON.stringify({ ...tcp, pad: 'x'.repeat(MAX_LINE_BYTES) }), `line is longer than ${MAX_LINE_BYTES} bytes`],
    ];
    // good, bad, good, bad, ..., good — bad lines land on even line numbers.
    const lines = [GOOD_JSON(1)];
    cases.forEach(([text], i) => lines.push(text, GOOD_JSON(i + 2)));
    const { results, stats } = await readAll(lines.join('\n'), 'jsonl', { chunkSize: 1000 });

    const badGot = bads(results);
    expect(badGot.map((b) => b.line)).toEqual(cases.map((_, i) => 2 * (i + 1)));
    badGot.forEach((b, i) => {
      if (i === 0) expect(b.error).toMatch(/^not valid JSON \(/);
      else expect(b.error).toBe(cases[i][1]);
    });
    const good = packets(results);
    expect(good.map((g) => g.line)).toEqual(lines.map((_, i) => i + 1).filter((n) => n % 2 === 1));
    expect(good.map((g) => g.packet.dport)).toEqual(good.map((_, i) => i + 1));
    expect(results.map((r) => r.line)).toEqual(lines.map((_, i) => i + 1)); // in line order
    expect(stats).toMatchObject({ linesRead: lines.length, packets: good.length, badLines: cases.length, ignoredLines: 0 });
    expect(stats.badLineSamples).toEqual(badGot);
    for (const r of results) if (!('packet' in r)) expect(r.reason).toBe('bad_summary_line');
  });

  it('drops ip_id for IPv6 and lets len include the 40-byte header', async () => {
    const line = JSON.stringify({ ts: 1, src: '::1', dst: '::2', proto: 17, sport: 1, dport: 2, flags: 0, ip_id: 9, len: 65575 });
    const [r] = (await readAll(line, 'jsonl')).results;
    expect(r).toMatchObject({ packet: { ipVersion: 6, ipId: 0, ipLen: 65575, src4: 0, dst4: 0 } });
  });
});

// ---------------------------------------------------------------- line handling

describe('line handling', () => {
  it('accepts CRLF, a final line without newline, blank lines and a BOM', async () => {
    const text = `\uFEFF${GOOD_JSON(1)}\r\n\r\n   \r\n${GOOD_JSON(2)}\r\n${GOOD_JSON(3)}`;
    const { results, stats } = await readAll(text, 'jsonl');
    expect(packets(results).map((r) => [r.line, r.packet.dport])).toEqual([[1, 1], [4, 2], [5, 3]]);
    expect(stats).toEqual({ linesRead: 5, packets: 3, ignoredLines: 2, badLines: 0, badLineSamples: [], heldTailLines: 0 });
  });

  it('leaves a last line without newline unread when the file may still grow (holdPartialLine)', async () => {
    // A writer caught mid-line: "dport":3 could be the start of "dport":37215.
    const text = `${GOOD_JSON(1)}\n${GOOD_JSON(2)}\n${GOOD_JSON(3)}`;
    const held = await readAll(text, 'jsonl', { holdPartialLine: true, chunkSize: 7 });
    expect(packets(held.results).map((r) => r.packet.dport)).toEqual([1, 2]);
    expect(held.stats).toMatchObject({ linesRead: 2, packets: 2, badLines: 0, heldTailLines: 1 });
    const whole = await readAll(`${text}\n`, 'jsonl', { holdPartialLine: true });
    expect(packets(whole.results).map((r) => r.packet.dport)).toEqual([1, 2, 3]);
    expect(whole.stats.heldTailLines).toBe(0);
  });

  it('gives the same results whatever the chunk boundaries, even inside a UTF-8 character', async () => {
    const lines = [
      JSON.stringify({ ts: 1, src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1, dport: 2, flags: 'S', note: '日本語 🚀' }),
      '{"broken": ',
      JSON.stringify({ ts: 2, src: '2001:db8::1', dst: '2001:db8::2', proto: 'udp', sport: 3, dport: 4, flags: 0 }),
      '',
    ];
    const text = lines.join('\r\n') + 'x,'.repeat(10);
    const whole = await readAll(text, 'jsonl');
    expect(whole.results.length).toBe(4);
    for (const size of [1, 2, 3, 5, 7, 13]) {
      const split = await readAll(text, 'jsonl', { chunkSize: size });
      expect(split.results).toEqual(whole.results);
      expect(split.stats).toEqual(whole.stats);
    }
  });

  it('treats a line over 64 KiB as one bad line and keeps the lines around it', async () => {
    // A valid object padded to exactly MAX_LINE_BYTES is kept; one byte more is a bad line.
    const padTo = (n: number): string => {
      const base = JSON.stringify({ ts: 1, src: '10.0.0.1', dst: '10.0.0.2', proto: 6, sport: 1, dport: 2, flags: 'S', pad: '' });
      return base.replace('"pad":""', `"pad":"${'x'.repeat(n - base.length)}"`);
    };
    const exact = padTo(MAX_LINE_BYTES);
    const over = padTo(MAX_LINE_BYTES + 1);
    const huge = `{"pad":"${'y'.repeat(300_000)}"}`;
    expect(Buffer.byteLength(exact)).toBe(MAX_LINE_BYTES);
    const text = [GOOD_JSON(1), exact, over, GOOD_JSON(4), huge, GOOD_JSON(6)].join('\r\n');
    for (const chunkSize of [65536, 4096, 999]) {
      const { results, stats } = await readAll(text, 'jsonl', { chunkSize });
      expect(results.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(bads(results)).toEqual([
        { line: 3, error: `line is longer than ${MAX_LINE_BYTES} bytes` },
        { line: 5, error: `line is longer than ${MAX_LINE_BYTES} bytes` },
      ]);
      expect(packets(results).map((r) => r.line)).toEqual([1, 2, 4, 6]);
      expect(stats.linesRead).toBe(6);
    }
  });

  it('treats an over-long final line without newline as bad', async () => {
    const { results } = await readAll(`${GOOD_JSON(1)}\n${'z'.repeat(MAX_LINE_BYTES + 10)}`, 'jsonl', { chunkSize: 1000 });
    expect(bads(results)).toEqual([{ line: 2, error: `line is longer than ${MAX_LINE_BYTES} bytes` }]);
  });

  it('yields batches of at most batchSize, 4096 by default', async () => {
    const text = Array.from({ length: 10_000 }, (_, i) => GOOD_JSON(i % 65536)).join('\n');
    const byDefault = await readAll(text, 'jsonl');
    expect(byDefault.batches.map((b) => b.length)).toEqual([4096, 4096, 1808]);
    const small = await readAll(Array.from({ length: 5 }, (_, i) => GOOD_JSON(i)).join('\n'), 'jsonl', { batchSize: 2 });
    expect(small.batches.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('pulls from the input only as batches are consumed', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.from(`${GOOD_JSON(i)}\n`);
      }
    }
    const it = readSummaryLines(source(), { format: 'jsonl', name: 'gen', batchSize: 1 });
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(pulled).toBe(1);
    await it.next();
    expect(pulled).toBe(2);
    await it.return(createSummaryStats());
  });

  it('keeps the first 100 bad lines and counts the rest', async () => {
    const text = Array.from({ length: 250 }, (_, i) => (i % 2 === 0 ? 'nope' : GOOD_JSON(i))).join('\n');
    const { stats } = await readAll(text, 'jsonl');
    expect(stats.badLines).toBe(125);
    expect(stats.packets).toBe(125);
    expect(stats.badLineSamples).toHaveLength(100);
    expect(stats.badLineSamples[0].line).toBe(1);
    expect(stats.badLineSamples[99].line).toBe(199);
  });

  it('returns the stats as the generator result', async () => {
    const it = readSummaryLines(chunked(`${GOOD_JSON(1)}\nbad\n`), { format: 'jsonl', name: 'x' });
    let step = await it.next();
    while (!step.done) step = await it.next();
    expect(step.value).toMatchObject({ linesRead: 2, packets: 1, badLines: 1 });
  });

  it('rejects an unknown format with BAD_CONFIG', async () => {
    const it = readSummaryLines(chunked(''), { format: 'xml' as SummaryFormat, name: 'in.xml' });
    await expect(it.next()).rejects.toMatchObject({
      code: ErrorCodes.BAD_CONFIG.code,
      message: '"format" value "xml" is not one of jsonl, csv, nict2022',
    });
  });
});

// ---------------------------------------------------------------- csv

describe('csv', () => {
  it('reads columns in any order, ignores extra columns, handles quotes and CRLF', async () => {
    const text = [
      'note,DPORT,dst,src,ts,proto,sport,flags,ttl,ipId,seq,window,len,icmp_type,icmp_code',
      '"hello, ""world""",23,192.0.2.1,198.51.100.7,1700000000.25,tcp,40000,S.,51,54321,1000,1024,40,,',
      'x, 53 ,"2001:db8::2","2001:db8::1",2023-11-14T22:13:20Z,udp,5353,,,,,,,,',
      'y,0,192.0.2.3,203.0.113.5,1700000001,icmp,,,64,7,,,84,3,1',
    ].join('\r\n');
    const { results, stats } = await readAll(text, 'csv', { chunkSize: 5 });
    expect(results).toEqual([
      {
        line: 2,
        packet: {
          ...BASE, tsSec: 1700000000, tsUsec: 250000, src4: ip4('198.51.100.7'), dst4: ip4('192.0.2.1'),
          sport: 40000, dport: 23, tcpFlags: 0x12, tcpSeq: 1000, tcpWindow: 1024, ipId: 54321, ttl: 51, ipLen: 40,
        },
      },
      {
        line: 3,
        packet: {
          ...BASE, tsSec: 1700000000, ipVersion: 6, proto: 17, sport: 5353, dport: 53,
          src6: Uint8Array.from(Buffer.from('20010db8000000000000000000000001', 'hex')),
          dst6: Uint8Array.from(Buffer.from('20010db8000000000000000000000002', 'hex')),
        },
      },
      {
        line: 4,
        packet: {
          ...BASE, tsSec: 1700000001, src4: ip4('203.0.113.5'), dst4: ip4('192.0.2.3'), proto: 1,
          ttl: 64, ipId: 7, ipLen: 84, icmpType: 3, icmpCode: 1,
        },
      },
    ]);
    expect(stats).toMatchObject({ linesRead: 4, packets: 3, ignoredLines: 1, badLines: 0 });
  });

  it('drops the CR of CRLF before a quoted last field, at any chunk boundary', async () => {
    const text = 'ts,src,dst,proto,sport,dport,"flags"\r\n1,10.0.0.1,10.0.0.2,6,1,2,"SA"\r\n1,10.0.0.1,10.0.0.2,6,1,3,"R"';
    for (const chunkSize of [1, 2, 64]) {
      const { results } = await readAll(text, 'csv', { chunkSize });
      expect(packets(results).map((r) => [r.line, r.packet.tcpFlags])).toEqual([[2, 0x12], [3, 0x04]]);
    }
  });

  it('counts bad rows with their line numbers and keeps the rest', async () => {
    const good = (dport: number): string => `1700000000,10.0.0.1,10.0.0.2,6,1,${dport},S`;
    const text = [
      '',
      'ts,src,dst,proto,sport,dport,flags',
      good(1),
      '1700000000,10.0.0.1,10.0.0.2,6,1,2',
      good(2),
      '1700000000,10.0.0.1,10.0.0.2,6,1,2,S,extra',
      good(3),
      '1700000000,"10.0.0.1,10.0.0.2,6,1,2,S',
      good(4),
      '1700000000,10.0.0.1"x",10.0.0.2,6,1,2,S',
      good(5),
      '1700000000,"10.0.0.1"x,10.0.0.2,6,1,2,S',
      good(6),
      '1700000000,10.0.0.1,10.0.0.2,6,,2,S',
      good(7),
      '1700000000,10.0.0.1,10.0.0.2,6,1,2,Q',
      good(8),
    ].join('\n');
    const { results, stats } = await readAll(text, 'csv');
    expect(bads(results)).toEqual([
      { line: 4, error: 'has 6 fields; the header has 7' },
      { line: 6, error: 'has 8 fields; the header has 7' },
      { line: 8, error: 'field 2 has an unterminated quote' },
      { line: 10, error: 'field 2 has a quote inside an unquoted value' },
      { line: 12, error: 'field 2 has text after its closing quote' },
      { line: 14, error: '"sport" is empty' },
      { line: 16, error: '"flags" value "Q" has "Q"; use a number or the letters F S R P . (or A) U E W N' },
    ]);
    expect(packets(results).map((r) => [r.line, r.packet.dport])).toEqual(
      [3, 5, 7, 9, 11, 13, 15, 17].map((line, i) => [line, i + 1]),
    );
    expect(stats).toMatchObject({ linesRead: 17, packets: 8, badLines: 7, ignoredLines: 2 });
  });

  it('fails the whole input with BAD_SUMMARY_HEADER when required columns are missing', async () => {
    const text = '\n\nts,src,destination,proto,sport,port,flags\n1,10.0.0.1,10.0.0.2,6,1,2,S\n';
    const err = await readAll(text, 'csv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DarkscopeError);
    expect(err).toMatchObject({
      code: 'DARKSCOPE_E_BAD_SUMMARY_HEADER',
      message: 'summary CSV header lacks columns dst, dport',
      details: { file: 'test-input', offset: 2, line: 3, missing: ['dst', 'dport'] },
    });
  });

  it('refuses a header naming a column twice, and a header that is really data', async () => {
    await expect(readAll('ts,src,dst,proto,sport,dport,flags,TS\n', 'csv')).rejects.toMatchObject({
      code: 'DARKSCOPE_E_BAD_SUMMARY_HEADER', message: 'summary CSV header names column "ts" twice',
    });
    await expect(readAll('1700000000,10.0.0.1,10.0.0.2,6,1,2,S\n', 'csv')).rejects.toMatchObject({
      code: 'DARKSCOPE_E_BAD_SUMMARY_HEADER',
      message: 'summary CSV header lacks columns ts, src, dst, proto, sport, dport, flags',
    });
  });

  it('reads nothing from an empty input', async () => {
    const { results, stats } = await readAll('', 'csv');
    expect(results).toEqual([]);
    expect(stats.linesRead).toBe(0);
  });
});

// ---------------------------------------------------------------- nict2022

describe('nict2022', () => {
  const nictPacket = (over: Partial<PacketSummary>): PacketSummary => ({ ...BASE, proto: 6, tcpFlags: 0x02, ...over });

  it('reads the five columns into a TCP SYN packet with the hash as src4 and the lower 16 bits as dst4', async () => {
    const text = [
      'timestamp,hash[ip.src.upper16],hash[ip.src.32],ip.dst.lower16,tcp.dstport',
      '1640962800.123456,51234,3735928559,1234,23',
      '1640962801, 0xBEEF , 0xDEADBEEF , 18.52 ,445',
    ].join('\n');
    const { results, stats } = await readAll(text, 'nict2022');
    expect(results).toEqual([
      { line: 2, packet: nictPacket({ tsSec: 1640962800, tsUsec: 123456, src4: 3735928559, dst4: 1234, dport: 23 }) },
      { line: 3, packet: nictPacket({ tsSec: 1640962801, src4: 0xdeadbeef, dst4: 18 * 256 + 52, dport: 445 }) },
    ]);
    expect(stats).toMatchObject({ linesRead: 3, packets: 2, ignoredLines: 1, badLines: 0 });
    expect(SUMMARY_FORMAT_TRAITS.nict2022).toEqual({ sourceIsPseudonym: true, destinationIsPartial: true });
  });

  it('converts zone-less JST date-times to UTC and leaves UNIX times alone', async () => {
    const text = [
      '2022-01-01 00:00:00.5,1,2,3,80', // JST midnight = 2021-12-31T15:00:00Z
      '2022-01-01T09:00:00,1,2,3,80', // JST 09:00 = 2022-01-01T00:00:00Z
      '2022-01-01T00:00:00Z,1,2,3,80', // explicit zone wins
      '1640995200,1,2,3,80', // UNIX time: no shift
    ].join('\n');
    const got = packets((await readAll(text, 'nict2022')).results).map((r) => [r.packet.tsSec, r.packet.tsUsec]);
    expect(got).toEqual([
      [Date.UTC(2021, 11, 31, 15) / 1000, 500000],
      [Date.UTC(2022, 0, 1, 0) / 1000, 0],
      [Date.UTC(2022, 0, 1, 0) / 1000, 0],
      [1640995200, 0],
    ]);
  });

  it('counts bad rows with their line numbers and keeps the rest', async () => {
    const good = (port: number): string => `1640962800,1,2,3,${port}`;
    const text = [
      good(1),
      '1640962800,1,2,3',
      good(2),
      'noon,1,2,3,80',
      good(3),
      '1640962800,1,9e3f0c1a,3,80',
      good(4),
      '1640962800,4294967296,2,3,80',
      good(5),
      '1640962800,1,2,65536,80',
      good(6),
      '1640962800,1,2,1.256,80',
      good(7),
      '1640962800,1,2,3,65536',
      good(8),
      'timestamp,a,b,c,d',
      good(9),
    ].join('\n');
    const { results } = await readAll(text, 'nict2022', { chunkSize: 3 });
    expect(bads(results)).toEqual([
      { line: 2, error: 'has 4 fields; NICT 2022 rows have 5 (timestamp,hash[ip.src.upper16],hash[ip.src.32],ip.dst.lower16,tcp.dstport)' },
      { line: 4, error: 'timestamp "noon" is neither epoch seconds nor an ISO 8601 date-time' },
      { line: 6, error: '"hash[ip.src.32]" value "9e3f0c1a" is not an unsigned 32-bit integer (decimal or 0x hex)' },
      { line: 8, error: '"hash[ip.src.upper16]" value "4294967296" is not an unsigned 32-bit integer (decimal or 0x hex)' },
      { line: 10, error: '"ip.dst.lower16" value "65536" is not 0..65535 or "a.b"' },
      { line: 12, error: '"ip.dst.lower16" value "1.256" is not 0..65535 or "a.b"' },
      { line: 14, error: '"tcp.dstport" value "65536" is not an integer in 0..65535' },
      { line: 16, error: 'timestamp "timestamp" is neither epoch seconds nor an ISO 8601 date-time' },
    ]);
    expect(packets(results).map((r) => [r.line, r.packet.dport])).toEqual(
      [1, 3, 5, 7, 9, 11, 13, 15, 17].map((line, i) => [line, i + 1]),
    );
  });
});

// ---------------------------------------------------------------- sniffing

describe('sniffSummaryFormat', () => {
  const sniff = (text: string | Buffer): ReturnType<typeof sniffSummaryFormat> =>
    sniffSummaryFormat(typeof text === 'string' ? Buffer.from(text) : text);

  it.each([
    [`${GOOD_JSON(1)}\n`, 'jsonl'],
    [`\uFEFF\n  \r\n  {"ts":1`, 'jsonl'],
    ['ts,src,dst,proto,sport,dport,flags\n1,', 'csv'],
    ['"Flags","DST","src","ts","proto","sport","dport"\r\n', 'csv'],
    ['timestamp,hash[ip.src.upper16],hash[ip.src.32],ip.dst.lower16,tcp.dstport\n', 'nict2022'],
    ['1640962800.123,51234,3735928559,1234,23\n1640962800', 'nict2022'],
    ['2022-01-01 00:00:00,ab12,9e3f0c1a,18.52,445\n', 'nict2022'],
  ])('recognises %j', (text, format) => {
    expect(sniff(text)).toBe(format);
  });

  it.each([
    ['', 'empty'],
    ['\n\n', 'blank'],
    [Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]), 'pcap'],
    [Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0]), 'pcapng'],
    [Buffer.from([0x1f, 0x8b, 8, 0]), 'gzip'],
    ['time,source,destination\n', 'other CSV'],
    ['1640962800,1,2,3\n', 'four fields'],
    ['hello world\n', 'text'],
  ])('returns null for %s', (text: string | Buffer, _label: string) => {
    expect(sniff(text)).toBeNull();
  });
});
