/**
 * The shared corpus of real third-party captures (fuzzer and CVE reproducers
 * from tcpdump's tests, ../shared/corpus/tcpdump) goes into ClickHouse in one
 * `darkscope ingest` run: no error, each file's records / decoded / skipped
 * by reason exactly what `darkscope inspect -q --stats-json` reports for it,
 * and one raw row per decoded packet of each file.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileIdentity } from '../../src/ingest/file-identity.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, sqlString } from '../../src/store/sql.js';
import { writePcap } from '../helpers/capture-writer.js';
import { corpusEntries, type CorpusEntry } from '../helpers/corpus.js';
import { ethernet, ipv6, tcp } from '../helpers/frames.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { freshDatabase, type TestDatabase } from '../integration/helpers/db.js';
import { expectExactlyStored, parseIngestSummary, rawCount, storeEnv, tempDir, type TempDir } from '../integration/helpers/ingest.js';
import { dayStart } from '../integration/helpers/packets.js';

const SENSOR = 'corpus';

interface InspectStats {
  file: string;
  records: number;
  decoded: number;
  skipped: Record<string, number>;
  truncated: boolean;
}

interface IngestFileStats {
  records: number;
  decoded: number;
  skipped: number;
  reasons: Record<string, number>;
  stored: number;
  alreadyStored: number;
  batches: number;
}

let db: TestDatabase;
let dir: TempDir;
let files: CorpusEntry[];
let inspect: Map<string, InspectStats>;
let ingest: CliRun;

beforeAll(async () => {
  db = await freshDatabase('ingest_corpus', { create: false });
  dir = await tempDir('corpus');
  files = corpusEntries();
  const paths = files.map((f) => f.path);
  const ins = await runCli(['inspect', '-q', '--stats-json', ...paths]);
  expect(ins.code, ins.stderr).toBe(0);
  inspect = new Map();
  for (const line of ins.stderr.split('\n').filter((l) => l.startsWith('{'))) {
    const s = JSON.parse(line) as InspectStats;
    inspect.set(s.file, s);
  }
  ingest = await runCli(['ingest', '--sensor', SENSOR, ...paths], { env: storeEnv(db) });
}, 120_000);

afterAll(async () => {
  await db?.dispose();
  await dir?.remove();
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The per-input block the ingest progress display prints for `file` (inputStatsText + stored line). */
function ingestStatsOf(stderr: string, file: string): IngestFileStats | null {
  const re = new RegExp(`^${escapeRe(file)}: [^\\n]*\\n  records (\\d+), decoded (\\d+), skipped (\\d+)(?: \\(([^)]*)\\))?\\n(?:  [^\\n]*\\n)*?  stored (\\d+)(?:, already stored (\\d+))?, batches (\\d+)$`, 'm');
  const m = re.exec(stderr);
  if (m === null) return null;
  const reasons: Record<string, number> = {};
  for (const part of (m[4] ?? '').split(', ').filter((p) => p !== '')) {
    const [k, v] = part.split(' ');
    reasons[k] = Number(v);
  }
  return {
    records: Number(m[1]), decoded: Number(m[2]), skipped: Number(m[3]), reasons,
    stored: Number(m[5]), alreadyStored: Number(m[6] ?? 0), batches: Number(m[7]),
  };
}

describe('ingest of the real-capture corpus', () => {
  it('inspect reports every corpus file', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect([...inspect.keys()].sort()).toEqual(files.map((f) => f.path).sort());
  });

  // pim-packet-assortment.pcap carries IPv6 packets longer than 65 535 bytes (see the last test).
  it('ingests every file in one run without error', () => {
    expect(ingest.stderr).not.toContain('DARKSCOPE_E_');
    expect(ingest.code, ingest.stderr.slice(-1500)).toBe(0);
    const s = parseIngestSummary(ingest.stderr);
    const all = [...inspect.values()];
    const reasons: Record<string, number> = {};
    for (const f of all) for (const [k, v] of Object.entries(f.skipped)) reasons[k] = (reasons[k] ?? 0) + v;
    const decoded = all.reduce((a, f) => a + f.decoded, 0);
    expect(s).toMatchObject({
      inputs: files.length, alreadyIngested: 0, read: decoded, stored: decoded, alreadyStored: 0,
      skipped: all.reduce((a, f) => a + Object.values(f.skipped).reduce((x, y) => x + y, 0), 0), skippedReasons: reasons, retries: 0,
    });
  });

  it("each file's records, decoded and skipped-by-reason equal inspect's, and stored equals decoded", () => {
    const mismatches: string[] = [];
    for (const f of files) {
      const want = inspect.get(f.path) as InspectStats;
      const got = ingestStatsOf(ingest.stderr, f.path);
      const expected: IngestFileStats = {
        records: want.records, decoded: want.decoded, skipped: Object.values(want.skipped).reduce((a, b) => a + b, 0), reasons: want.skipped,
        stored: want.decoded, alreadyStored: 0, batches: got?.batches ?? -1,
      };
      if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push(`${f.file}: ingest ${JSON.stringify(got)} inspect ${JSON.stringify(expected)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('raw rows per file equal its decoded packets; nothing twice; rollups equal raw', async () => {
    const perKey = await db.store.query(
      sql`SELECT toUInt32(intDiv(batch_key, 4294967296)) AS k, count() AS n FROM ${db.store.table('packets')}
          WHERE sensor = ${sqlString(SENSOR)} GROUP BY k`,
      { k: col.number, n: col.uint64AsNumber });
    const stored = new Map(perKey.map((r) => [r.k, r.n]));
    const got: Record<string, number> = {};
    const want: Record<string, number> = {};
    let total = 0;
    for (const f of files) {
      const id = await fileIdentity({ name: f.path, kind: 'file', size: f.bytes }, SENSOR);
      got[f.file] = stored.get(id.keyHi) ?? 0;
      want[f.file] = (inspect.get(f.path) as InspectStats).decoded;
      total += want[f.file];
    }
    expect(got).toEqual(want);
    expect(total).toBeGreaterThan(200);
    await expectExactlyStored(db.store, SENSOR, total);
  });
});

// Regression: an IPv6 packet's length is 40 + payload length, up to 65 575
// (pim-packet-assortment.pcap has two above 65 535). With a UInt16 ip_len the
// encoder threw and the whole ingest stopped; ip_len is UInt32 now.
describe('an IPv6 packet whose stated length is above 65 535', () => {
  it('is stored with ip_len = 40 + payload length, and the rollups count its bytes', async () => {
    const file = join(dir.path, 'ipv6-long.pcap');
    const frame = ethernet(ipv6(tcp({ dport: 8443 }), { payloadLength: 65_535 })); // captured short, as with a snap length
    await writeFile(file, writePcap([{ tsSec: dayStart('2024-06-01') + 60, tsFrac: 0, data: frame, originalLength: 14 + 40 + 65_535 }]));
    const r = await runCli(['ingest', '--sensor', 'long', '--no-enrich', file], { env: storeEnv(db) });
    expect(r.stderr).not.toContain('DARKSCOPE_E_INTERNAL');
    expect(r.code, r.stderr).toBe(0);
    expect(await rawCount(db.store, 'long')).toBe(1);
    const rows = await db.store.query(
      sql`SELECT toUInt64(ip_len) AS len, (SELECT sum(bytes) FROM ${db.store.table('port_1h')} WHERE sensor = 'long') AS rollup
          FROM ${db.store.table('packets')} WHERE sensor = 'long'`,
      { len: col.uint64AsNumber, rollup: col.uint64AsNumber });
    expect(rows).toEqual([{ len: 65_575, rollup: 65_575 }]);
  });
});
