/**
 * What a user sees from `darkscope ingest`, `migrate --dry-run` and
 * `retention --dry-run`: the ingest summary, standard input (summary lines and
 * pcap), and the one-line errors for a wrong URL or password (with the built
 * binary, as a user runs it; `npm run build` first).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/local-server.js';
import { loadMigrations } from '../../src/store/migrate.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, sqlString } from '../../src/store/sql.js';
import { writePcap, type TestPacket } from '../helpers/capture-writer.js';
import { ETHERTYPE, ethernet, ip4n, ipv4, tcp } from '../helpers/frames.js';
import { runBin, runCli } from '../helpers/run-cli.js';
import { freshDatabase, testDatabaseName, type TestDatabase } from './helpers/db.js';
import { expectExactlyStored, parseIngestSummary, rawCount, storeEnv, synthCapture, tempDir, type SynthFile, type TempDir } from './helpers/ingest.js';
import { dayStart } from './helpers/packets.js';

let db: TestDatabase;
let dir: TempDir;
let synth: SynthFile;
/** 3 good packets, 2 cut inside the IPv4 header, 1 ARP frame. */
let mixed: string;

const SYNTH_PACKETS = 5_000;

beforeAll(async () => {
  db = await freshDatabase('ingest_cli', { create: false });
  dir = await tempDir('cli');
  synth = await synthCapture(dir.path, 'synth.pcap', { packets: SYNTH_PACKETS, seed: 31, startSec: dayStart('2024-02-10') + 3600, durationSec: 3600 });
  const ts = dayStart('2024-02-11') + 600;
  const good = (i: number): TestPacket => ({ tsSec: ts + i, tsFrac: 0, data: ethernet(ipv4(tcp({ dport: 23 + i }), { src: `203.0.113.${10 + i}`, dst: '198.18.0.1' })) });
  const cut = (i: number): TestPacket => ({ tsSec: ts + 10 + i, tsFrac: 0, data: ethernet(ipv4(tcp(), { src: '203.0.113.99' })).slice(0, 14 + 12) });
  const arp: TestPacket = { tsSec: ts + 20, tsFrac: 0, data: ethernet(new Uint8Array(28), { ethertype: ETHERTYPE.ARP }) };
  mixed = join(dir.path, 'mixed.pcap');
  await writeFile(mixed, writePcap([good(0), cut(0), good(1), arp, cut(1), good(2)]));
}, 60_000);

afterAll(async () => {
  await db?.dispose();
  await dir?.remove();
});

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('darkscope ingest summary', () => {
  it('reports packets read, stored and skipped by reason, batches, retries and elapsed time', async () => {
    const r = await runCli(['ingest', '--sensor', 'cli', '--batch-rows', '1000', synth.path, mixed], { env: storeEnv(db) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const tail = lines(r.stderr).slice(-3);
    expect(tail[0]).toBe(`ingest complete: 2 inputs into ${db.name}, sensor "cli"`);
    expect(tail[1]).toBe(`  packets read ${SYNTH_PACKETS + 3}, stored ${SYNTH_PACKETS + 3}, skipped 3 (truncated_ip_header 2, unsupported_ethertype 1)`);
    expect(tail[2]).toMatch(/^ {2}batches 6, retries 0, elapsed 0:\d\d, [\d.]+(?: k)? packets\/s$/);
    // Each input's own block, as inspect prints it, with what was stored.
    expect(r.stderr).toContain(`${mixed}: pcap, link type 1 (EN10MB)\n  records 6, decoded 3, skipped 3 (truncated_ip_header 2, unsupported_ethertype 1)\n  stored 3, batches 1\n`);
    expect(r.stderr).toContain(`${synth.path}: pcap, link type 1 (EN10MB)\n  records ${SYNTH_PACKETS}, decoded ${SYNTH_PACKETS}, skipped 0\n  stored ${SYNTH_PACKETS}, batches 5\n`);
    await expectExactlyStored(db.store, 'cli', SYNTH_PACKETS + 3);
    const good = await db.store.query(
      sql`SELECT src, dport FROM ${db.store.table('packets')} WHERE sensor = 'cli' AND toYYYYMMDD(ts) = 20240211 ORDER BY dport`,
      { src: col.number, dport: col.number });
    expect(good).toEqual([0, 1, 2].map((i) => ({ src: ip4n(`203.0.113.${10 + i}`), dport: 23 + i })));
  });

  it('logs at warn by default and at the level asked for, --log-level info included', async () => {
    const quiet = await freshDatabase('ingest_cli_quiet', { create: false });
    const loud = await freshDatabase('ingest_cli_loud', { create: false });
    try {
      const a = await runCli(['ingest', '--sensor', 'cli', mixed], { env: storeEnv(quiet) });
      expect(a.code, a.stderr).toBe(0);
      expect(a.stderr).not.toContain('schema migrations applied');
      const b = await runCli(['ingest', '--sensor', 'cli', '--log-level', 'info', mixed], { env: storeEnv(loud) });
      expect(b.code, b.stderr).toBe(0);
      expect(b.stderr).toContain('schema migrations applied');
    } finally {
      await quiet.dispose();
      await loud.dispose();
    }
  });

  it('a rerun skips both inputs as already ingested and says so', async () => {
    const r = await runCli(['ingest', '--sensor', 'cli', '--batch-rows', '1000', synth.path, mixed], { env: storeEnv(db) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${synth.path}: skipped, already ingested for sensor "cli" (${SYNTH_PACKETS} records)`);
    expect(r.stderr).toContain(`${mixed}: skipped, already ingested for sensor "cli" (6 records)`);
    const tail = lines(r.stderr).slice(-3);
    expect(tail[0]).toBe(`ingest complete: 2 inputs (2 already ingested) into ${db.name}, sensor "cli"`);
    expect(tail[1]).toBe('  packets read 0, stored 0, skipped 0');
    expect(tail[2]).toMatch(/^ {2}batches 0, retries 0, elapsed 0:\d\d, 0 packets\/s$/);
    expect(await rawCount(db.store, 'cli')).toBe(SYNTH_PACKETS + 3);
  });
});

describe('darkscope ingest from standard input (-)', () => {
  it('reads summary lines (jsonl), counting a bad line as skipped', async () => {
    const records = [0, 1, 2, 3].map((i) => JSON.stringify({ ts: 1_700_000_000 + i, src: `198.51.100.${i + 1}`, dst: '192.0.2.1', proto: 'tcp', sport: 40_000 + i, dport: 8080, flags: 'S' }));
    const text = `${records[0]}\n${records[1]}\nthis is not json\n${records[2]}\n${records[3]}\n`;
    const r = await runCli(['ingest', '--sensor', 'stdin-jsonl', '-'], { env: storeEnv(db), stdin: [Buffer.from(text.slice(0, 50)), Buffer.from(text.slice(50))] });
    expect(r.code, r.stderr).toBe(0);
    expect(parseIngestSummary(r.stderr)).toMatchObject({ inputs: 1, read: 4, stored: 4, skipped: 1, skippedReasons: { bad_summary_line: 1 }, retries: 0 });
    expect(r.stderr).toContain('bad line 3: ');
    await expectExactlyStored(db.store, 'stdin-jsonl', 4);
    const rows = await db.store.query(
      sql`SELECT toUInt32(ts) AS ts, src, dport, tcp_flags FROM ${db.store.table('packets')} WHERE sensor = 'stdin-jsonl' ORDER BY ts`,
      { ts: col.number, src: col.number, dport: col.number, tcp_flags: col.number });
    expect(rows).toEqual([0, 1, 2, 3].map((i) => ({ ts: 1_700_000_000 + i, src: ip4n(`198.51.100.${i + 1}`), dport: 8080, tcp_flags: 0x02 })));
  });

  it('reads a pcap', async () => {
    const bytes = await readFile(synth.path);
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 65_536) chunks.push(bytes.subarray(at, at + 65_536));
    const r = await runCli(['ingest', '--sensor', 'stdin-pcap', '--batch-rows', '2000', '-'], { env: storeEnv(db), stdin: chunks });
    expect(r.code, r.stderr).toBe(0);
    expect(parseIngestSummary(r.stderr)).toMatchObject({ inputs: 1, alreadyIngested: 0, read: SYNTH_PACKETS, stored: SYNTH_PACKETS, skipped: 0 });
    await expectExactlyStored(db.store, 'stdin-pcap', SYNTH_PACKETS);
  });
});

describe('darkscope migrate --dry-run', () => {
  it('prints every statement for a new database and creates nothing', async () => {
    const name = testDatabaseName('cli_dry');
    const migrations = await loadMigrations(name);
    const r = await runCli(['migrate', '--dry-run'], { env: storeEnv({ url: db.url, name }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`CREATE DATABASE IF NOT EXISTS \`${name}\`;`);
    expect(r.stdout).toContain(`CREATE TABLE IF NOT EXISTS \`${name}\`.packets`);
    for (const m of migrations) {
      expect(r.stdout).toContain(`-- ${m.file}\n`);
      for (const statement of m.statements) expect(r.stdout).toContain(`${statement};`);
    }
    const exists = await db.store.query(sql`SELECT count() AS n FROM system.databases WHERE name = ${sqlString(name)}`, { n: col.uint64AsNumber });
    expect(exists[0]?.n).toBe(0);
  });

  it('on an up-to-date database prints that there is nothing to run and changes nothing', async () => {
    const before = await db.store.query(sql`SELECT name, engine FROM system.tables WHERE database = ${sqlString(db.name)} ORDER BY name`, { name: col.string, engine: col.string });
    const versions = await db.store.query(sql`SELECT count() AS n FROM ${db.store.table('schema_migrations')}`, { n: col.uint64AsNumber });
    const r = await runCli(['migrate', '--dry-run'], { env: storeEnv(db) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`-- ${db.name} is up to date; nothing to run\n`);
    expect(await db.store.query(sql`SELECT name, engine FROM system.tables WHERE database = ${sqlString(db.name)} ORDER BY name`, { name: col.string, engine: col.string })).toEqual(before);
    expect(await db.store.query(sql`SELECT count() AS n FROM ${db.store.table('schema_migrations')}`, { n: col.uint64AsNumber })).toEqual(versions);
  });
});

describe('darkscope retention --dry-run', () => {
  it('lists the raw day partitions it would drop, and drops nothing', async () => {
    // One packet from an hour ago: its partition is recent and must not be listed.
    const recent = join(dir.path, 'recent.pcap');
    const now = Math.floor(Date.now() / 1000) - 3600;
    await writeFile(recent, writePcap([{ tsSec: now, tsFrac: 0, data: ethernet(ipv4(tcp({ dport: 22 }))) }]));
    const ing = await runCli(['ingest', '--sensor', 'recent', '--no-enrich', recent], { env: storeEnv(db) });
    expect(ing.code, ing.stderr).toBe(0);

    const partsSql = sql`SELECT table, partition, sum(rows) AS rows FROM system.parts
        WHERE database = ${sqlString(db.name)} AND table IN ('packets', 'port_1m') AND active GROUP BY table, partition ORDER BY table, partition`;
    // Since migration 0008 no view fills port_1m: only raw partitions are listed on a new store.
    const partsSchema = { table: col.string, partition: col.string, rows: col.uint64AsNumber };
    const before = await db.store.query(partsSql, partsSchema);
    const recentDay = new Date(now * 1000).toISOString().slice(0, 10).replace(/-/g, '');
    const old = before.filter((p) => p.partition !== recentDay);
    expect(old.map((p) => `${p.table} ${p.partition}`)).toEqual(['packets 20231114', 'packets 20240210', 'packets 20240211']);
    expect(before.length).toBe(old.length + 1); // the recent day in packets

    const r = await runCli(['retention', '--dry-run'], { env: storeEnv(db) });
    expect(r.code, r.stderr).toBe(0);
    const day = (id: string): string => `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6)}`;
    expect(lines(r.stdout)).toEqual(old.map((p) => `would drop ${p.table} ${day(p.partition)} (${p.rows} rows)`));
    expect(r.stderr).toBe(`retention: would drop ${old.length} partition(s); keeping 30 days of raw packets and 14 days of the old minute rollups\n`);
    expect(await db.store.query(partsSql, partsSchema)).toEqual(before);
  });
});

describe('connection errors: one line with a stable code, exit 1, no stack trace (built binary)', () => {
  const oneLine = (stderr: string, code: string): void => {
    expect(lines(stderr), stderr).toHaveLength(1);
    expect(stderr.startsWith(`darkscope: ${code}`), stderr).toBe(true);
    expect(stderr).not.toMatch(/\n\s+at |Error:|node:internal/);
  };

  it('a URL where nothing listens: DARKSCOPE_E_CLICKHOUSE_UNREACHABLE', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    for (const args of [['ingest', mixed], ['migrate', '--dry-run'], ['retention', '--dry-run']]) {
      const r = runBin(args, { env: storeEnv({ url, name: db.name }) });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stdout).toBe('');
      oneLine(r.stderr, 'DARKSCOPE_E_CLICKHOUSE_UNREACHABLE');
      expect(r.stderr).toContain(url);
    }
  });

  it('a wrong password or unknown user: DARKSCOPE_E_CLICKHOUSE_AUTH, and the password is not shown', async () => {
    const password = 'not-the-password-7f3a';
    const envs: Array<Record<string, string>> = [
      { DARKSCOPE_CLICKHOUSE_PASSWORD: password },
      { DARKSCOPE_CLICKHOUSE_USER: 'nobody_here', DARKSCOPE_CLICKHOUSE_PASSWORD: password },
    ];
    for (const env of envs) {
      const r = runBin(['ingest', mixed], { env: storeEnv(db, env) });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      oneLine(r.stderr, 'DARKSCOPE_E_CLICKHOUSE_AUTH');
      expect(r.stderr).not.toContain(password);
    }
    expect(await rawCount(db.store, 'default')).toBe(0);
  });
});
