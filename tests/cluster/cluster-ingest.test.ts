/**
 * Ingest into the cluster: two `darkscope ingest` processes on different
 * sensors at once (one talking to shard 1, the other to shard 2), and the
 * resend logic when a Distributed insert reached only some shards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressKey } from '../../src/store/address-key.js';
import { BatchWriter } from '../../src/store/batch-writer.js';
import { shardSlot } from '../../src/store/cluster/shard-slot.js';
import { loadProgress } from '../../src/store/ingest-progress.js';
import { encodeRows, withoutRecords, type StorablePacket } from '../../src/store/packet-rows.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, sqlString } from '../../src/store/sql.js';
import { synthCapture, tempDir, type SynthFile, type TempDir } from '../integration/helpers/ingest.js';
import { startCli } from './helpers/cli-process.js';
import {
  clusterEnv, countOn, freshClusterDatabase, optimizeEverywhere, rawIntegrity, rollupVersusRaw, syncAllReplicas, type ClusterTestDatabase,
} from './helpers/cluster-db.js';

const DAY = Date.UTC(2026, 1, 2) / 1000;

let dir: TempDir;
let db: ClusterTestDatabase;
let tokyo: SynthFile;
let osaka: SynthFile;

beforeAll(async () => {
  dir = await tempDir('cluster-ingest');
  [tokyo, osaka, db] = await Promise.all([
    synthCapture(dir.path, 'tokyo.pcap', { packets: 100_000, seed: 21, startSec: DAY, durationSec: 86_400 + 7_200 }),
    synthCapture(dir.path, 'osaka.pcap', { packets: 80_000, seed: 22, startSec: DAY + 3_600, durationSec: 86_400 }),
    freshClusterDatabase('ingest'),
  ]);
}, 120_000);

afterAll(async () => {
  await db?.dispose();
  await dir?.remove();
});

function ingest(node: number, sensor: string, file: SynthFile) {
  return startCli(['ingest', '--cluster', db.spec.cluster, '--clickhouse-url', db.spec.nodes[node]!.url, '--database', db.name,
    '--sensor', sensor, '--batch-rows', '10000', '--max-in-flight', '3', '--no-enrich', file.path], clusterEnv(db.spec));
}

describe('two ingesters on different sensors at once', () => {
  let ok = false;

  it('both finish, each having stored every packet of its capture', async () => {
    const [a, b] = await Promise.all([ingest(0, 'tokyo', tokyo).done, ingest(2, 'osaka', osaka).done]);
    expect(a.stderr).toContain(`stored ${tokyo.truth.packets}`);
    expect(b.stderr).toContain(`stored ${osaka.truth.packets}`);
    expect([a.code, b.code]).toEqual([0, 0]);
    ok = true;
  });

  it('stores exact counts and no record twice, with both replicas of each shard equal', async () => {
    expect(ok).toBe(true);
    expect(await rawIntegrity(db.store, 'tokyo')).toEqual({ rows: tokyo.truth.packets, distinct: tokyo.truth.packets });
    expect(await rawIntegrity(db.store, 'osaka')).toEqual({ rows: osaka.truth.packets, distinct: osaka.truth.packets });
    await syncAllReplicas(db);
    const local = await Promise.all([0, 1, 2, 3].map((i) => countOn(db.node(i), 'packets_local')));
    expect(local[0]).toBe(local[1]);
    expect(local[2]).toBe(local[3]);
    expect(local[0]! + local[2]!).toBe(tokyo.truth.packets + osaka.truth.packets);
  });

  it('keeps one complete progress record per file, the same on every node', async () => {
    const files = await db.store.query(
      sql`SELECT sensor, file_id FROM ${db.store.table('ingest_progress')} GROUP BY sensor, file_id ORDER BY sensor`,
      { sensor: col.string, file_id: col.string });
    expect(files.map((f) => f.sensor)).toEqual(['osaka', 'tokyo']);
    for (const f of files) {
      const packets = f.sensor === 'tokyo' ? tokyo.truth.packets : osaka.truth.packets;
      for (let i = 0; i < 4; i++) {
        expect(await loadProgress(db.node(i), f.sensor, f.file_id), `node ${i}`).toMatchObject({ complete: true, nextRecord: packets });
      }
    }
  });

  it('rollups equal raw in every minute, hour and day after OPTIMIZE FINAL of every local table on every node', async () => {
    await optimizeEverywhere(db);
    for (const sensor of ['tokyo', 'osaka']) {
      for (const r of await rollupVersusRaw(db.store, sensor)) {
        expect(r.rollup.length, r.table).toBeGreaterThan(0);
        expect(r.rollup, `${sensor} ${r.table}`).toEqual(r.raw);
      }
    }
    // Per shard too: each node's views fed its own shard's rollups.
    for (const i of [0, 2]) {
      const s = db.node(i);
      const raw = await countOn(s, 'packets_local');
      const rollup = await s.query(sql`SELECT sum(packets) AS n FROM ${s.table('source_total_1d_local')}`, { n: col.uint64AsNumber });
      expect(rollup[0]?.n).toBe(raw);
    }
  });
});

function packet(i: number): StorablePacket {
  return {
    tsSec: DAY + 5 * 86_400 + i, tsUsec: 0, ipVersion: 4, src4: (0x0a000000 + i * 7919) >>> 0, dst4: 0xc6120000 + (i % 256), src6: null, dst6: null,
    proto: 6, sport: 40000, dport: 23 + (i % 3), tcpFlags: 0x02, tcpSeq: i, tcpWindow: 1024, tcpOptions: false, ipId: i & 0xffff, ttl: 52, ipLen: 40,
    icmpType: 0, icmpCode: 0, fragment: false, trafficClass: 'scan', tool: 'none', label: '', country: '', asn: 0, recordIndex: i,
  };
}

describe('a batch stored on one shard only (a Distributed insert that failed half-way)', () => {
  const ctx = { sensor: 'partial', toolRules: 1, batchKeyHi: 0x5eed, batchKeyLo: 1 };
  const all = encodeRows(Array.from({ length: 2_000 }, (_, i) => packet(i)), ctx);
  const slotOf = new Map(Array.from({ length: 2_000 }, (_, i) => [i, shardSlot(addressKey(4, packet(i).src4, null), 2)]));
  const day = DAY + 5 * 86_400;

  it('is completed by the resend check: the stored shard is skipped, the other sent, nothing twice', async () => {
    const writer = new BatchWriter(db.store);
    const shard1Only = withoutRecords(all, (ri) => slotOf.get(ri) !== 0);
    expect(shard1Only.count).toBeGreaterThan(800);
    expect(shard1Only.count).toBeLessThan(1_200);
    await writer.write({ keyHi: ctx.batchKeyHi, day, rows: shard1Only }, { checkFirst: false });
    const r = await writer.write({ keyHi: ctx.batchKeyHi, day, rows: all }, { checkFirst: true });
    expect(r).toMatchObject({ rowsAlreadyStored: shard1Only.count, rowsWritten: all.count - shard1Only.count });
    expect(await rawIntegrity(db.store, 'partial')).toEqual({ rows: 2_000, distinct: 2_000 });
  });

  it('a blind resend of the whole batch (as after a check that met a lagging replica) is dropped by block deduplication, views included', async () => {
    const writer = new BatchWriter(db.store);
    await writer.write({ keyHi: ctx.batchKeyHi, day, rows: all }, { checkFirst: false });
    expect(await rawIntegrity(db.store, 'partial')).toEqual({ rows: 2_000, distinct: 2_000 });
    for (const r of await rollupVersusRaw(db.store, 'partial')) expect(r.rollup, r.table).toEqual(r.raw);
    const hourly = await db.store.query(sql`SELECT sum(packets) AS n FROM ${db.store.table('port_1h')} WHERE sensor = ${sqlString('partial')}`, { n: col.uint64AsNumber });
    expect(hourly[0]?.n).toBe(2_000);
  });
});
