import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ErrorCodes, isDarkscopeError, type DarkscopeError } from '../../src/errors.js';
import { LabelSet, loadLabelFiles, parseLabels } from '../../src/ingest/classify/labels.js';
import { parseIPv4, parseIPv6 } from '../../src/net/ip-parse.js';

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

function errorOf(fn: () => unknown): DarkscopeError {
  try {
    fn();
  } catch (e) {
    if (isDarkscopeError(e)) return e;
    throw e;
  }
  throw new Error('expected a DarkscopeError');
}

describe('parseLabels: format', () => {
  it('reads CIDR,label lines with comments, blank lines, spaces, CRLF and a BOM', () => {
    const set = parseLabels(
      '\ufeff# research networks\r\n\r\n  192.0.2.0/24 , research \r\n\t# indented comment\n2001:db8::/32,doc-v6\n198.51.100.7,one_host\n2001:db8:ffff::1,v6.host:1\n',
      'labels.txt');
    expect(set.prefixCount).toBe(4);
    expect(set.labelFor4(v4('192.0.2.77'))).toBe('research');
    expect(set.labelFor4(v4('198.51.100.7'))).toBe('one_host');
    expect(set.labelFor4(v4('198.51.100.8'))).toBe('');
    expect(set.labelFor6(v6('2001:db8:1::5'))).toBe('doc-v6');
    expect(set.labelFor6(v6('2001:db8:ffff::1'))).toBe('v6.host:1');
    expect(set.labelFor6(v6('2001:db8:ffff::2'))).toBe('doc-v6');
    expect(set.labelFor6(v6('2001:db9::'))).toBe('');
  });

  it('an empty file, or only comments, gives an empty set', () => {
    for (const text of ['', '\n\n', '# nothing\n#more\n']) {
      const set = parseLabels(text, 'empty.txt');
      expect(set.prefixCount).toBe(0);
      expect(set.labelFor4(v4('1.2.3.4'))).toBe('');
      expect(set.labelFor6(v6('2001:db8::1'))).toBe('');
    }
    expect(LabelSet.empty().labelFor4(0)).toBe('');
    expect(LabelSet.empty().labelFor4(0xffffffff)).toBe('');
  });

  it('accepts a 64-character label and every allowed character', () => {
    const label = 'A'.repeat(60) + '_.:-';
    expect(parseLabels(`10.0.0.0/8,${label}`, 'f').labelFor4(v4('10.1.1.1'))).toBe(label);
    expect(parseLabels('10.0.0.0/8,azAZ09_.:-', 'f').labelFor4(v4('10.1.1.1'))).toBe('azAZ09_.:-');
  });

  it('the same prefix twice with the same label is accepted once', () => {
    const set = parseLabels('10.0.0.0/8,a\n10.0.0.0/8,a\n', 'f');
    expect(set.prefixCount).toBe(1);
    expect(set.labelFor4(v4('10.0.0.1'))).toBe('a');
  });
});

describe('parseLabels: errors name the file and line', () => {
  it.each([
    ['10.0.0.0/8', 'expected "CIDR,label"'],
    ['10.0.0.0/8,a,b', 'expected "CIDR,label", found 3'],
    ['10.0.0.0/8,', 'label ""'],
    ['10.0.0.0/8,has space', 'label "has space"'],
    ['10.0.0.0/8,semi;colon', 'label "semi;colon"'],
    ['10.0.0.0/8,' + 'x'.repeat(65), 'must be 1 to 64 characters'],
    ['300.0.0.0/8,a', '"300.0.0.0" is not an IPv4 address'],
    ['010.0.0.0/8,a', '"010.0.0.0" is not an IPv4 address'],
    ['10.0.0/8,a', '"10.0.0" is not an IPv4 address'],
    ['10.0.0.0/33,a', 'prefix length "33" in "10.0.0.0/33" must be 0..32'],
    ['10.0.0.0/-1,a', 'prefix length "-1"'],
    ['10.0.0.0/,a', 'prefix length ""'],
    ['10.0.0.0/8/8,a', 'prefix length "8/8"'],
    ['2001:db8::/129,a', 'must be 0..128'],
    ['2001:db8:::/32,a', 'is not an IPv6 address'],
    ['fe80::1%eth0/128,a', 'is not an IPv6 address'],
    ['example.com,a', 'is not an IPv4 address'],
    ['192.0.2.1/24,a', '192.0.2.1/24 has host bits set; did you mean 192.0.2.0/24?'],
    ['2001:db8::1/32,a', '2001:db8::1/32 has host bits set; did you mean 2001:db8::/32?'],
    ['2001:db8:0:1:1::/64,a', 'did you mean 2001:db8:0:1::/64?'],
  ])('%s', (line, message) => {
    const err = errorOf(() => parseLabels(`# header\n\n10.9.0.0/16,fine\n${line}\n`, 'nets.csv'));
    expect(err.code).toBe(ErrorCodes.BAD_LABELS.code);
    expect(err.message.startsWith('nets.csv:4: ')).toBe(true);
    expect(err.message).toContain(message);
    expect(err.details).toMatchObject({ file: 'nets.csv', line: 4 });
  });

  it('a prefix labelled twice differently names both lines', () => {
    const err = errorOf(() => parseLabels('10.0.0.0/8,a\n\n10.0.0.0/8,b\n', 'f.txt'));
    expect(err.code).toBe(ErrorCodes.BAD_LABELS.code);
    expect(err.message).toBe('f.txt:3: prefix already labelled "a" at f.txt:1, cannot also be "b"');
  });
});

describe('LabelSet: longest-prefix match', () => {
  const set = parseLabels([
    '0.0.0.0/0,world',
    '10.0.0.0/8,ten',
    '10.1.0.0/16,ten-one',
    '10.1.2.0/24,ten-one-two',
    '10.1.2.3/32,host',
    '10.1.2.128/25,upper',
    '255.255.255.0/24,top',
    '255.255.255.255/32,last',
    '::/0,world6',
    '2001:db8::/32,doc',
    '2001:db8:1::/48,doc1',
    '2001:db8:1:2::1/128,h6',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128,last6',
  ].join('\n'), 'nested.txt');

  it.each([
    ['0.0.0.0', 'world'],
    ['9.255.255.255', 'world'],
    ['10.0.0.0', 'ten'],
    ['10.0.255.255', 'ten'],
    ['10.1.0.0', 'ten-one'],
    ['10.1.1.255', 'ten-one'],
    ['10.1.2.0', 'ten-one-two'],
    ['10.1.2.2', 'ten-one-two'],
    ['10.1.2.3', 'host'],
    ['10.1.2.4', 'ten-one-two'],
    ['10.1.2.127', 'ten-one-two'],
    ['10.1.2.128', 'upper'],
    ['10.1.2.255', 'upper'],
    ['10.1.3.0', 'ten-one'],
    ['10.2.0.0', 'ten'],
    ['10.255.255.255', 'ten'],
    ['11.0.0.0', 'world'],
    ['255.255.254.255', 'world'],
    ['255.255.255.0', 'top'],
    ['255.255.255.254', 'top'],
    ['255.255.255.255', 'last'],
  ])('IPv4 %s → %s', (addr, label) => {
    expect(set.labelFor4(v4(addr))).toBe(label);
  });

  it('takes sign-extended IPv4 input as unsigned', () => {
    expect(set.labelFor4(v4('255.255.255.255') | 0)).toBe('last');
  });

  it.each([
    ['::', 'world6'],
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', 'world6'],
    ['2001:db8::', 'doc'],
    ['2001:db8:0:ffff::1', 'doc'],
    ['2001:db8:1::', 'doc1'],
    ['2001:db8:1:2::', 'doc1'],
    ['2001:db8:1:2::1', 'h6'],
    ['2001:db8:1:2::2', 'doc1'],
    ['2001:db8:1:ffff:ffff:ffff:ffff:ffff', 'doc1'],
    ['2001:db8:2::', 'doc'],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'doc'],
    ['2001:db9::', 'world6'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe', 'world6'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'last6'],
  ])('IPv6 %s → %s', (addr, label) => {
    expect(set.labelFor6(v6(addr))).toBe(label);
  });

  it('order of lines does not matter', () => {
    const reversed = parseLabels('10.1.2.0/24,c\n10.1.0.0/16,b\n10.0.0.0/8,a\n', 'r');
    expect(reversed.labelFor4(v4('10.1.2.9'))).toBe('c');
    expect(reversed.labelFor4(v4('10.1.9.9'))).toBe('b');
    expect(reversed.labelFor4(v4('10.9.9.9'))).toBe('a');
  });

  it('agrees with a naive longest-prefix match on random prefix sets (IPv4)', () => {
    const prefixArb = fc.record({ addr: fc.nat({ max: 0xffffffff }), len: fc.integer({ min: 0, max: 32 }), label: fc.constantFrom('a', 'b', 'c', 'd') });
    fc.assert(fc.property(fc.array(prefixArb, { maxLength: 25 }), fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 40 }), (raw, probes) => {
      // Mask to a network address and keep the first label per prefix.
      const prefixes = new Map<string, { net: number; len: number; label: string }>();
      for (const { addr, len, label } of raw) {
        const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        const net = (addr & mask) >>> 0;
        const key = `${net}/${len}`;
        if (!prefixes.has(key)) prefixes.set(key, { net, len, label });
      }
      const text = [...prefixes.values()].map((p) => `${[p.net >>> 24, (p.net >>> 16) & 255, (p.net >>> 8) & 255, p.net & 255].join('.')}/${p.len},${p.label}`).join('\n');
      const set = parseLabels(text, 'random');
      // Probe random addresses plus every prefix edge and its neighbours.
      const points = [...probes];
      for (const p of prefixes.values()) {
        const last = p.net + 2 ** (32 - p.len) - 1;
        points.push(p.net, last, Math.max(p.net - 1, 0), Math.min(last + 1, 0xffffffff));
      }
      for (const a of points) {
        let best = -1;
        let expected = '';
        for (const p of prefixes.values()) {
          const mask = p.len === 0 ? 0 : (0xffffffff << (32 - p.len)) >>> 0;
          if (((a & mask) >>> 0) === p.net && p.len > best) {
            best = p.len;
            expected = p.label;
          }
        }
        expect(set.labelFor4(a)).toBe(expected);
      }
    }), { numRuns: 300 });
  });
});

describe('loadLabelFiles', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'darkscope-labels-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('merges several files; a longer prefix in a later file wins over a shorter one', async () => {
    const a = join(dir, 'a.txt');
    const b = join(dir, 'b.txt');
    await writeFile(a, '10.0.0.0/8,corp\n2001:db8::/32,corp6\n');
    await writeFile(b, '# scanners we know\n10.20.0.0/16,lab\n');
    const set = await loadLabelFiles([a, b]);
    expect(set.prefixCount).toBe(3);
    expect(set.labelFor4(v4('10.20.1.1'))).toBe('lab');
    expect(set.labelFor4(v4('10.21.1.1'))).toBe('corp');
    expect(set.labelFor6(v6('2001:db8::1'))).toBe('corp6');
  });

  it('no files: an empty set', async () => {
    expect((await loadLabelFiles([])).prefixCount).toBe(0);
  });

  it('the same prefix labelled differently in two files names both places', async () => {
    const a = join(dir, 'dup-a.txt');
    const b = join(dir, 'dup-b.txt');
    await writeFile(a, '192.0.2.0/24,x\n');
    await writeFile(b, '\n192.0.2.0/24,y\n');
    const err = await loadLabelFiles([a, b]).catch((e: unknown) => e);
    expect(isDarkscopeError(err)).toBe(true);
    expect((err as DarkscopeError).code).toBe(ErrorCodes.BAD_LABELS.code);
    expect((err as DarkscopeError).message).toBe(`${b}:2: prefix already labelled "x" at ${a}:1, cannot also be "y"`);
  });

  it('a bad line reports the file path and line number', async () => {
    const c = join(dir, 'bad.txt');
    await writeFile(c, '10.0.0.0/8,ok\n10.0.0.1/8,bad\n');
    const err = await loadLabelFiles([c]).catch((e: unknown) => e);
    expect((err as DarkscopeError).code).toBe(ErrorCodes.BAD_LABELS.code);
    expect((err as DarkscopeError).message).toBe(`${c}:2: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?`);
  });

  it('a missing file is BAD_LABELS naming it', async () => {
    const missing = join(dir, 'nope.txt');
    const err = await loadLabelFiles([missing]).catch((e: unknown) => e);
    expect((err as DarkscopeError).code).toBe(ErrorCodes.BAD_LABELS.code);
    expect((err as DarkscopeError).message).toBe(`cannot read labels file ${missing} (ENOENT)`);
    expect((err as DarkscopeError).details.file).toBe(missing);
  });
});
