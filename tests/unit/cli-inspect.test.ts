import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writePcap } from '../helpers/capture-writer.js';
import { ethernet, ipv4, tcp } from '../helpers/frames.js';
import { BIN, runBin, runCli } from '../helpers/run-cli.js';
import { TABLE_HEADER } from '../../src/cli/format/packet-text.js';

const dir = mkdtempSync(join(tmpdir(), 'darkscope-inspect-'));

/** A Mirai-style SYN from 8.8.8.8 to 198.18.0.7:23 (seq = destination address). */
function miraiSyn(): Uint8Array {
  const dst = (198 << 24 | 18 << 16 | 7) >>> 0;
  return ethernet(ipv4(tcp({ sport: 40000, dport: 23, flags: 0x02, seq: dst }), { src: '8.8.8.8', dst: '198.18.0.7', proto: 6, id: 4242, ttl: 52 }));
}

describe('darkscope inspect', () => {
  it('prints JSON lines with the documented fields, and a summary on stderr', async () => {
    const f = join(dir, 'one.pcap');
    writeFileSync(f, writePcap([{ tsSec: 1_700_000_000, tsFrac: 42, data: miraiSyn() }]));
    const r = await runCli(['inspect', '--json', '--stats-json', f]);
    expect(r.code).toBe(0);
    const row = JSON.parse(r.stdout.trim());
    expect(row).toMatchObject({
      ts: '2023-11-14T22:13:20.000042Z', src: '8.8.8.8', dst: '198.18.0.7', proto: 'tcp', sport: 40000, dport: 23,
      flags: 'S', class: 'scan', tool: 'mirai', country: 'US', asn: 15169,
    });
    expect(JSON.parse(r.stderr.trim())).toEqual({
      file: f, format: 'pcap', compressed: false, linktypes: [1], records: 1, decoded: 1, skipped: {}, truncated: false, stop: null, bad_lines: [],
    });
  });

  it('reads captures whatever their name says, gzip included, and directories in name order', async () => {
    const d = join(dir, 'rotated');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d);
    const frame = miraiSyn();
    writeFileSync(join(d, 'cap.pcap10'), gzipSync(writePcap([{ tsSec: 30, tsFrac: 0, data: frame }])));
    writeFileSync(join(d, 'cap.pcap2'), writePcap([{ tsSec: 20, tsFrac: 0, data: frame }]));
    writeFileSync(join(d, 'cap.pcap1.pcapng'), writePcap([{ tsSec: 10, tsFrac: 0, data: frame }]));
    const r = await runCli(['inspect', '--json', '--no-enrich', d]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).ts.slice(17, 19))).toEqual(['10', '20', '30']);
    expect(r.stderr).toContain('(gzip)');
  });

  it('counts undecodable packets by reason and keeps the good ones; a cut tail still exits 0', async () => {
    const f = join(dir, 'mixed.pcap');
    const good = miraiSyn();
    const file = writePcap([
      { tsSec: 1, tsFrac: 0, data: good },
      { tsSec: 2, tsFrac: 0, data: good.subarray(0, 20) },
      { tsSec: 3, tsFrac: 2_000_000, data: good },
      { tsSec: 4, tsFrac: 0, data: good },
    ]);
    writeFileSync(f, file.subarray(0, file.length - 5));
    const r = await runCli(['inspect', '-q', '--stats-json', '--no-enrich', f]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stderr)).toMatchObject({ records: 3, decoded: 1, skipped: { truncated_ip_header: 1, bad_timestamp: 1 }, truncated: true, stop: { reason: 'truncated' } });
  });

  it('reads summary lines too (jsonl sniffed from content)', async () => {
    const f = join(dir, 'lines.txt');
    writeFileSync(f, '{"ts":1700000000.5,"src":"1.1.1.1","dst":"198.18.0.1","proto":"tcp","sport":1,"dport":445,"flags":"S"}\nnot json\n');
    const r = await runCli(['inspect', '--json', '--stats-json', '--no-enrich', f]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ ts: '2023-11-14T22:13:20.500000Z', dport: 445, class: 'scan' });
    expect(JSON.parse(r.stderr)).toMatchObject({ format: 'jsonl', records: 2, decoded: 1, skipped: { bad_summary_line: 1 }, bad_lines: [{ line: 2 }] });
  });

  it('reads a capture from stdin with "-"', async () => {
    const r = await runCli(['inspect', '--json', '--no-enrich', '-'], { stdin: [writePcap([{ tsSec: 5, tsFrac: 0, data: miraiSyn() }])] });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tool).toBe('mirai');
  });

  it('stops after --count packets', async () => {
    const f = join(dir, 'ten.pcap');
    writeFileSync(f, writePcap(Array.from({ length: 10 }, (_, i) => ({ tsSec: 1_700_000_000 + i, tsFrac: 0, data: miraiSyn() }))));
    const r = await runCli(['inspect', '--json', '--no-enrich', '-c', '3', f]);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('exits 2 with one line naming the file and byte offset for a non-capture; no stack trace (built binary)', () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'these are my notes, not a capture\n');
    const r = runBin(['inspect', f]);
    expect(r.code).toBe(2);
    expect(r.stdout.trim()).toBe(TABLE_HEADER.trim());
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`darkscope: DARKSCOPE_E_BAD_CAPTURE: not a capture (unknown magic 0x74686573) and not a recognised summary format (jsonl, csv with a ts,src,dst header, nict2022) (${f} at byte 0). Check that the file is a pcap, pcapng or gzip-compressed capture (tcpdump -w / dumpcap output).`);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('ends quietly when its reader has gone (darkscope ... | head), with no stack trace (built binary)', () => {
    // `true` reads nothing and exits at once: every write meets a closed pipe.
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" ingest --help | true; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.stderr.trim()).toBe('status 0');
  });

  it('exits 2 for a missing file and for a bad option, with a one-line message', async () => {
    const missing = await runCli(['inspect', join(dir, 'nope.pcap')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^darkscope: DARKSCOPE_E_INPUT_NOT_FOUND: no such file or directory ".*nope.pcap"/);
    const badOpt = await runCli(['inspect', '--format', 'xml', 'x']);
    expect(badOpt.code).toBe(2);
    expect(badOpt.stderr).toMatch(/Allowed choices are auto, capture, jsonl, csv, nict2022/);
  });

  it('--help explains every option', async () => {
    const r = await runCli(['inspect', '--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--json', '--stats-json', '--quiet', '--count', '--format', '--labels', '--no-enrich', '--geoip', '--asn-db', 'Exit status']) expect(r.stdout).toContain(opt);
  });
});
