/**
 * Seeds a fresh darkscope database with a long rollup history at realistic
 * cardinality, generated inside ClickHouse (INSERT ... SELECT from
 * numbers(N)), never through raw packets: a year of raw darknet traffic would
 * be billions of rows.
 *
 * The history is written the way a real store came by it: the database is
 * migrated up to 0007 only (the first rollup design), the old rollup tables
 * are seeded, and then `migrate` applies 0008 (the second design, issue #14),
 * whose INSERT ... SELECT statements fill the new tables from the old ones,
 * exactly as an in-place upgrade does. The time of that `migrate` is
 * reported (SeedResult.migrationSec): the upgrade's cost at this scale.
 *
 *   old day rollups     port_1d, geo_1d        `dayDays` days (a year)
 *   old hour rollups    port_1h, geo_1h        `hourDays` days (60)
 *   old source rollups  source_1h, source_1d   `sourceDays` days (8)
 *   totals              total_1h, total_1d     merged from port_1h and port_1d by migration 0006's backfill
 *   after 0008          port_total_1d, mix_1d (from port_1d), mix_1h (from port_1h), country_1h (geo_1h),
 *                       country_1d (geo_1d), source_total_1d (source_1d); port_1h and the totals unchanged
 *
 * The old tables stay, as in an upgraded store. There are no raw packets: what
 * darkscope now computes from raw on read (minute ports, source hours, scan
 * activity) reads nothing here. So the hours at either end of an hour-grain
 * range, which the source family now reads from raw packets, cost nothing in
 * this database (bench/README.md, "query"; the demo-week measurement covers
 * them).
 *
 * The source rollups cover the last days only: each row's destinations state
 * takes up to 8 bytes per distinct destination (until uniqCombined switches to
 * HyperLogLog, about 80 KB at precision 17), i.e. a few bytes per packet, so a
 * year of them is many GB and would take far longer to write than the rest.
 * The measured top sources read 7 days (source_total_1d for the whole days).
 *
 * Both grains end with today (UTC); hour buckets stop at the current hour.
 * The model, per time bucket of each grain:
 *
 *   ports    `ports` port rows ranked by popularity, packets ∝ rank^-1.05
 *            (Zipf-like) with ±20% noise per bucket. Ranks 1-26 are NICTER's
 *            top ports (23/TCP first, then 445, 80, 22, 1433, 37215, 52869, ...,
 *            a few UDP ports and ICMP); ranks up to ports/2 (at most 2000) are
 *            the same ports in every bucket, the rest of the tail is a fresh
 *            random draw over all 65 536 ports each bucket (wide scanners), so
 *            a day sees tens of thousands of distinct ports.
 *   sources  ∝ rank^-1.1 unique sources per port (`topSources` for 23/TCP),
 *            each port's packets split among them heavy-tailed (∝ i^-0.9).
 *            The first 64 sources of every port come from a pool of 64 heavy
 *            scanners (16 labelled `research`, 16 ZMap, 16 Masscan), which
 *            also are the few sources of the tail ports; the others from a
 *            window of `activeSources` addresses that moves by `churnPerDay`
 *            a day. Within a day a port's set slides so that the day's union
 *            is about 7x one bucket's. Non-heavy sources on 23 and 2323/TCP are
 *            two-thirds Mirai; 4% of TCP rows are backscatter; country and ASN
 *            follow from the address with a skewed distribution (CN, US, BR,
 *            IN, RU, ... first).
 *
 * Every table is generated from the same deterministic (bucket, port, source)
 * rows, aggregated as the views would (sum of packets, uniqCombinedState(N)
 * over source keys with N the precision the schema was migrated with, read
 * back from the table), a day per INSERT (older days several); so port_1h,
 * geo_1h and source_1h agree. The day rollups of the hour days are merged from their hours (the
 * states merged with -MergeState); older days are generated at day grain.
 *
 * Destination states: every row's unique-destinations state holds about as
 * many addresses of the /16 darknet (198.18.0.0/16) as the row has packets.
 * Generating up to 65 536 keys per row would dominate the seeding time, so the
 * states come from a library of 33 sizes (half-octaves 1 .. 65 536) x 8
 * address subsets, built once with uniqCombinedState(N) and joined in. They
 * are real states of the right size (the cost of reading and merging them is
 * the real one); only their contents repeat between rows.
 */
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, ClickHouseLogLevel, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { createStoreClient, type StoreClient } from '../src/store/client.js';
import { defaultMigrationsDir, isInsert, loadMigrations, migrate } from '../src/store/migrate.js';
import { ROLLUPS } from '../src/store/rollups.js';
import { backfillSettings, OPTIONAL_SETTINGS } from '../src/store/server-settings.js';
import { sql, sqlIdent } from '../src/store/sql.js';

const DAY = 86_400;

export interface GrainSize {
  /** Port rows (ranks) per bucket. */
  readonly ports: number;
  /** Unique sources of the top port (23/TCP) per bucket. */
  readonly topSources: number;
  /** Packets of the top port per bucket. */
  readonly topPackets: number;
}

export interface SeedSize {
  readonly dayDays: number;
  readonly hourDays: number;
  /** The last days that also get source rollups (source_1h, source_1d). */
  readonly sourceDays: number;
  readonly day: GrainSize;
  readonly hour: GrainSize;
  /** Addresses active on a given day (excluding the 64 heavy scanners). */
  readonly activeSources: number;
  /** New addresses entering the active window each day. */
  readonly churnPerDay: number;
  /** Days generated per INSERT for the day-only part of the year. */
  readonly daysPerInsert: number;
  /** INSERTs run at the same time. */
  readonly concurrency: number;
}

/** The issue's seed: a year of day rollups, 60 days of hour rollups. About 2 M packets a day. */
export const FULL_SEED: SeedSize = {
  dayDays: 365,
  hourDays: 60,
  sourceDays: 8,
  day: { ports: 25_000, topSources: 30_000, topPackets: 225_000 },
  hour: { ports: 4_000, topSources: 4_000, topPackets: 11_000 },
  activeSources: 400_000,
  churnPerDay: 30_000,
  daysPerInsert: 5,
  concurrency: 2,
};

/** `--quick`: a month of day rollups, a week of hour rollups, smaller buckets. */
export const QUICK_SEED: SeedSize = {
  dayDays: 30,
  hourDays: 7,
  sourceDays: 7,
  day: { ports: 8_000, topSources: 8_000, topPackets: 150_000 },
  hour: { ports: 1_500, topSources: 1_500, topPackets: 6_000 },
  activeSources: 100_000,
  churnPerDay: 10_000,
  daysPerInsert: 10,
  concurrency: 2,
};

export const SEED_SENSOR = 'bench';
export const SEED_DARKNET = '198.18.0.0/16';
const DARKNET_BASE = 3_323_068_416; // 198.18.0.0
const HEAVY = 64;
/** How much wider a port's source set is over a day than in one bucket (minus one). */
const SPREAD = 6;
const DEST_LEVELS = 32; // half-octaves: level l holds round(2^(l/2)) addresses, 1 .. 65 536
const DEST_VARIANTS = 8;

const TOP_PORTS: ReadonlyArray<readonly [number, number]> = [
  [6, 23], [6, 445], [6, 80], [6, 22], [6, 1433], [6, 37215], [6, 52869], [6, 8080], [6, 2323], [6, 5555],
  [6, 3389], [6, 443], [6, 81], [6, 8443], [6, 7547], [6, 6379], [6, 5900], [6, 21], [6, 25], [6, 3306],
  [17, 53], [17, 123], [17, 5060], [17, 1900], [17, 161], [1, 0],
];
const COUNTRIES = ['CN', 'US', 'BR', 'IN', 'RU', 'TW', 'VN', 'KR', 'ID', 'IR', 'DE', 'NL', 'GB', 'FR', 'TH', 'MX', 'AR', 'EG', 'TR', 'PK',
  'UA', 'JP', 'HK', 'SG', 'CO', 'ZA', 'IT', 'PL', 'RO', 'BG', 'CA', 'ES', 'PH', 'MY', 'BD', 'CL', 'PE', 'SA', 'NG', 'KE'];

const CLASS_ENUM = "Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2)";
const TOOL_ENUM = "Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3)";

export interface SeedResult {
  readonly database: string;
  readonly size: SeedSize;
  /** uniqCombined precision of the schema's unique-count states. */
  readonly precision: number;
  readonly seconds: number;
  /** Seconds until the last INSERT into the old rollups returned. */
  readonly insertSec: number;
  /** Seconds of `migrate` from 0007 to the current schema (0008's backfill of the new rollups from the old ones, then its views). */
  readonly migrationSec: number;
  /** Seconds spent waiting for background merges of the old rollups before the migration, and of the new ones after it. */
  readonly mergeWaitSec: { readonly before: number; readonly after: number };
  /** Seconds of INSERT per target table (concurrent statements add up). */
  readonly timings: Record<string, number>;
  readonly rows: Record<string, number>;
  /** Compressed bytes on disk per table. */
  readonly bytes: Record<string, number>;
  /** Packets, ports and unique sources of the last full day (from port_total_1d). */
  readonly lastDay: { readonly packets: number; readonly ports: number; readonly sources: number };
  /** Unique sources over the last 7 days (port_1h) and the source_total_1d rows of the whole days among them. */
  readonly week: { readonly sources: number; readonly sourceRows: number };
}

/**
 * The generated (bucket, port, source) rows of `nBuckets` buckets of
 * `bucketSec` seconds from `start`: one row per source of each port, with the
 * source's packets, class/tool/label, country/ASN and first/last second.
 */
function pairsSql(g: GrainSize, s: SeedSize, start: number, nBuckets: number, bucketSec: number): string {
  const perDay = DAY / bucketSec;
  const stable = Math.min(2000, Math.floor(g.ports / 2));
  const topProto = `[${TOP_PORTS.map((p) => p[0]).join(',')}]`;
  const topPort = `[${TOP_PORTS.map((p) => p[1]).join(',')}]`;
  const countries = `[${COUNTRIES.map((c) => `'${c}'`).join(',')}]`;
  return `
SELECT t, proto, dport, idx, pk, psize,
  toUInt32(bitAnd(idx * 2654435761 + 16777216, 4294967295)) AS src,
  CAST(multiIf(proto = 6 AND idx >= ${HEAVY} AND idx % 25 = 3, 'backscatter', proto = 6, 'scan', 'other') AS ${CLASS_ENUM}) AS class,
  CAST(multiIf(idx < 16, 'none', idx < 32, 'zmap', idx < 48, 'masscan', proto = 6 AND dport IN (23, 2323) AND idx % 3 != 0, 'mirai', 'none') AS ${TOOL_ENUM}) AS tool,
  if(idx < 16, 'research', '') AS label,
  intHash32(idx + 12345) AS ah,
  toUInt32(pow((ah % 1000000) / 1000000, 3) * 3000) AS asn_i,
  if(idx < 16, 'US', if(ah % 50 = 7, '', arrayElement(${countries}, 1 + least(${COUNTRIES.length - 1}, toUInt32(sqrt(asn_i / 3000) * ${COUNTRIES.length}))))) AS country,
  toUInt32(if(idx < 16, 398324, 1000 + asn_i * 13)) AS asn,
  intHash32(idx * 7 + dport) % ${Math.max(1, Math.floor(bucketSec / 2))} AS off,
  toDateTime(toUInt32(t) + off, 'UTC') AS fs,
  toDateTime(toUInt32(t) + off + least(${Math.max(0, Math.floor(bucketSec / 2) - 1)}, pk * ${Math.max(1, Math.floor(bucketSec / 3600) * 20)}), 'UTC') AS ls
FROM (
  SELECT t, proto, dport, n, P, i,
    if(i < ${HEAVY}, (i + intHash32(r) % ${HEAVY}) % ${HEAVY},
       ${HEAVY} + day * ${s.churnPerDay} + (intHash32(r + 77) + sub * step + i) % ${s.activeSources}) AS idx,
    toUInt64(greatest(1, round(P * pow(i + 1, -0.9) / ((pow(n + 0.5, 0.1) - pow(0.5, 0.1)) / 0.1)))) AS pk,
    if(proto = 6, 44, 76) AS psize
  FROM (
    SELECT toUInt64(number) AS num, intDiv(num, ${g.ports}) AS k, num % ${g.ports} + 1 AS r,
      ${start} + k * ${bucketSec} AS ts, toDateTime(ts, 'UTC') AS t,
      intDiv(ts, ${DAY}) AS day, intDiv(ts % ${DAY}, ${bucketSec}) AS sub, intDiv(ts, ${bucketSec}) AS bs,
      if(r <= ${stable}, intHash32(r), intHash32(r * 1000003 + bs)) AS ph,
      if(r <= ${TOP_PORTS.length}, arrayElement(${topProto}, r), if(ph % 8 = 0, 17, 6)) AS proto,
      if(r <= ${TOP_PORTS.length}, arrayElement(${topPort}, r), ph % 65536) AS dport,
      greatest(1, ${g.topPackets} * pow(r, -1.05) * (0.8 + (intHash32(r + bs * 7) % 400) / 1000)) AS P,
      toUInt32(greatest(1, least(P, round(${g.topSources} * pow(r, -1.1))))) AS n,
      toUInt32(n * ${SPREAD} / ${perDay}) AS step
    FROM numbers(${nBuckets * g.ports})
  )
  ARRAY JOIN range(n) AS i
)`;
}

/** Level of a destinations state for `x` packets (capped at the /16). */
function destLevel(x: string): string {
  return `toUInt8(least(${DEST_LEVELS}, round(log2(least(65536, greatest(1, ${x}))) * 2)))`;
}

class Seeder {
  /** Seconds spent per target table (summed over concurrent statements). */
  readonly timings: Record<string, number> = {};

  constructor(readonly ch: ClickHouseClient, readonly db: string, readonly s: SeedSize, readonly p: number) {}

  async run(query: string, kind = 'other', settings: ClickHouseSettings = {}): Promise<void> {
    const t0 = performance.now();
    await this.ch.command({ query, clickhouse_settings: settings });
    this.timings[kind] = (this.timings[kind] ?? 0) + (performance.now() - t0) / 1000;
  }

  table(name: string): string {
    return `\`${this.db}\`.${name}`;
  }

  async destLibrary(): Promise<void> {
    await this.run(`CREATE TABLE ${this.table('seed_dest_lib')} (l UInt8, v UInt8, s AggregateFunction(uniqCombined(${this.p}), UInt64)) ENGINE = Memory`);
    await this.run(`INSERT INTO ${this.table('seed_dest_lib')}
SELECT l, v, uniqCombinedState(${this.p})(toUInt64(${DARKNET_BASE} + (x * 40503 + v * 7919) % 65536))
FROM (SELECT toUInt8(intDiv(number, ${DEST_VARIANTS})) AS l, toUInt8(number % ${DEST_VARIANTS}) AS v,
             toUInt32(round(pow(2, l / 2))) AS cnt FROM numbers(${(DEST_LEVELS + 1) * DEST_VARIANTS}))
ARRAY JOIN range(cnt) AS x
GROUP BY l, v`);
  }

  /** port_* rows of `nBuckets` buckets from `start`, generated. */
  async ports(table: 'port_1h' | 'port_1d', g: GrainSize, start: number, nBuckets: number, bucketSec: number): Promise<void> {
    await this.run(`INSERT INTO ${this.table(table)} (sensor, t, proto, dport, class, tool, label, packets, bytes, sources, destinations)
SELECT '${SEED_SENSOR}', t, proto, dport, class, tool, label, sp, sb, su, s
FROM (
  SELECT t, proto, dport, class, tool, label, sum(pk) AS sp, sum(pk * psize) AS sb, uniqCombinedState(${this.p})(toUInt64(src)) AS su,
    ${destLevel('sp')} AS l, toUInt8((dport + toUInt32(t)) % ${DEST_VARIANTS}) AS v
  FROM (${pairsSql(g, this.s, start, nBuckets, bucketSec)})
  GROUP BY t, proto, dport, class, tool, label
) AS seeded ANY LEFT JOIN ${this.table('seed_dest_lib')} USING (l, v)`, table);
  }

  /** geo_* rows of `nBuckets` buckets from `start`, generated. */
  async geo(table: 'geo_1h' | 'geo_1d', g: GrainSize, start: number, nBuckets: number, bucketSec: number): Promise<void> {
    await this.run(`INSERT INTO ${this.table(table)} (sensor, t, country, asn, proto, class, label, packets, sources)
SELECT '${SEED_SENSOR}', t, country, asn, proto, class, label, sum(pk), uniqCombinedState(${this.p})(toUInt64(src))
FROM (${pairsSql(g, this.s, start, nBuckets, bucketSec)})
GROUP BY t, country, asn, proto, class, label`, table);
  }

  /** source_1h rows of `nBuckets` hours from `start`, generated. */
  async sourceHours(start: number, nBuckets: number): Promise<void> {
    await this.run(`INSERT INTO ${this.table('source_1h')}
  (sensor, t, ip_version, src, proto, dport, class, tool, label, country, asn, packets, bytes, first_seen, last_seen, destinations)
SELECT '${SEED_SENSOR}', t, 4, src, proto, dport, class, tool, label, country, asn, sp, sb, f, l2, s
FROM (
  SELECT t, src, proto, dport, class, tool, label, country, asn,
    sum(pk) AS sp, sum(pk * psize) AS sb, minState(fs) AS f, maxState(ls) AS l2,
    ${destLevel('sp')} AS l, toUInt8((src + dport) % ${DEST_VARIANTS}) AS v
  FROM (${pairsSql(this.s.hour, this.s, start, nBuckets, 3600)})
  GROUP BY t, src, proto, dport, class, tool, label, country, asn
) AS seeded ANY LEFT JOIN ${this.table('seed_dest_lib')} USING (l, v)`, 'source_1h');
  }

  /** The day rows of `family` for one day, merged from its hour rows (as a day view would have written them). */
  async dayFromHours(family: 'port' | 'geo' | 'source', day: number): Promise<void> {
    const where = `WHERE t >= toDateTime(${day}, 'UTC') AND t < toDateTime(${day + DAY}, 'UTC')`;
    const t = `toDateTime(${day}, 'UTC')`;
    const u = (c: string) => `uniqCombinedMergeState(${this.p})(${c})`;
    const q = {
      port: `INSERT INTO ${this.table('port_1d')} (sensor, t, proto, dport, class, tool, label, packets, bytes, sources, destinations)
SELECT sensor, ${t}, proto, dport, class, tool, label, sum(packets), sum(bytes), ${u('sources')}, ${u('destinations')}
FROM ${this.table('port_1h')} ${where}
GROUP BY sensor, proto, dport, class, tool, label`,
      geo: `INSERT INTO ${this.table('geo_1d')} (sensor, t, country, asn, proto, class, label, packets, sources)
SELECT sensor, ${t}, country, asn, proto, class, label, sum(packets), ${u('sources')}
FROM ${this.table('geo_1h')} ${where}
GROUP BY sensor, country, asn, proto, class, label`,
      source: `INSERT INTO ${this.table('source_1d')}
  (sensor, t, ip_version, src, src6, proto, dport, class, tool, label, country, asn, packets, bytes, first_seen, last_seen, destinations)
SELECT sensor, ${t}, ip_version, src, src6, proto, dport, class, tool, label, country, asn,
  sum(packets), sum(bytes), minMergeState(first_seen), maxMergeState(last_seen), ${u('destinations')}
FROM ${this.table('source_1h')} ${where}
GROUP BY sensor, ip_version, src, src6, proto, dport, class, tool, label, country, asn`,
    }[family];
    await this.run(q, `${family}_1d from hours`);
  }

  async scalar(query: string): Promise<number> {
    return Number(await scalarText(this.ch, query));
  }
}

async function scalarText(ch: ClickHouseClient, query: string): Promise<string> {
  const rs = await ch.query({ query, format: 'JSONEachRow' });
  const rows = await rs.json<Record<string, unknown>>();
  return String(Object.values(rows[0] ?? {})[0] ?? '');
}

/** Runs `tasks` with at most `n` at a time. */
async function pool(tasks: Array<() => Promise<void>>, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++];
      await t();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, n) }, worker));
}

/** The old rollups the seed writes (migration 0003 and 0006), kept after 0008 as in an upgraded store. */
export const SEEDED_TABLES = ['port_1h', 'port_1d', 'source_1h', 'source_1d', 'geo_1h', 'geo_1d', 'total_1h', 'total_1d'] as const;
/** The rollups queries read after 0008 (ROLLUPS), filled from the old ones by its backfill. */
export const READ_TABLES = ROLLUPS.map((r) => r.table);
/** The last migration of the first rollup design: the seeded database is migrated this far before seeding. */
const OLD_SCHEMA_VERSION = 7;

/** Where to seed: a ClickHouse HTTP endpoint and its user. */
export interface SeedTarget {
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

function client(t: SeedTarget, timeoutMs: number): ClickHouseClient {
  return createClient({ url: t.url, username: t.username, password: t.password, request_timeout: timeoutMs, log: { level: ClickHouseLogLevel.OFF } });
}

function store(t: SeedTarget, db: string): StoreClient {
  return createStoreClient({ url: t.url, username: t.username, password: t.password, database: db, requestTimeoutMs: 1_800_000 });
}

/**
 * A fresh `db` (dropped if it exists) migrated with darkscope's migrations up
 * to version `upTo`: the shipped files up to that version, copied to a
 * temporary directory for migrate()'s `migrationsDir`. Their checksums are
 * those of the shipped files, so a later full `migrate` accepts them.
 */
export async function freshDatabase(t: SeedTarget, db: string, upTo = Infinity): Promise<void> {
  const src = defaultMigrationsDir();
  const dir = await mkdtemp(join(tmpdir(), 'darkscope-seed-migrations-'));
  const s = store(t, db);
  try {
    for (const f of await readdir(src)) {
      const v = /^(\d{4})_/.exec(f);
      if (v !== null && Number(v[1]) <= upTo) await copyFile(join(src, f), join(dir, f));
    }
    await s.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(db)}`);
    await migrate(s, { migrationsDir: dir });
  } finally {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Creates `db` afresh at schema version 0007, fills its old rollups, then
 * migrates it to the current schema (see the file header). `now` (epoch
 * seconds) is where the history ends.
 */
export async function seedRollups(t: SeedTarget, db: string, s: SeedSize, opts: { now?: number; log?: (msg: string) => void } = {}): Promise<SeedResult> {
  const log = opts.log ?? (() => undefined);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const today = Math.floor(now / DAY) * DAY;
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  await freshDatabase(t, db, OLD_SCHEMA_VERSION);
  const ch = client(t, 1_800_000);
  try {
    // The unique-count precision the schema was migrated with (uniqCombined(N)), read back from the table.
    const type = await scalarText(ch, `SELECT type FROM system.columns WHERE database = '${db}' AND table = 'port_1h' AND name = 'sources'`);
    const m = /uniqCombined\((\d+)\)/.exec(type);
    if (m === null) throw new Error(`unexpected type of ${db}.port_1h.sources: ${type}`);
    const precision = Number(m[1]);
    const seed = new Seeder(ch, db, s, precision);
    await seed.destLibrary();
    /** Buckets of `sec` seconds of `day` up to now. */
    const buckets = (day: number, sec: number) => Math.min(DAY / sec, Math.floor((now - day) / sec) + 1);

    // Hour history, a day per INSERT; its day rollups merged from the hours.
    const hourDays = Array.from({ length: s.hourDays }, (_, i) => today - (s.hourDays - 1 - i) * DAY);
    let done = 0;
    await pool(hourDays.map((day) => async () => {
      const withSources = day > today - s.sourceDays * DAY;
      const n = buckets(day, 3600);
      await seed.ports('port_1h', s.hour, day, n, 3600);
      await seed.geo('geo_1h', s.hour, day, n, 3600);
      if (withSources) await seed.sourceHours(day, n);
      await seed.dayFromHours('port', day);
      await seed.dayFromHours('geo', day);
      if (withSources) await seed.dayFromHours('source', day);
      if (++done % 10 === 0 || done === hourDays.length) log(`seed: ${done}/${hourDays.length} days of hour rollups (${elapsed()})`);
    }), s.concurrency);

    // The rest of the year at day grain, several days per INSERT.
    const older = Math.max(0, s.dayDays - s.hourDays);
    const chunks: Array<{ from: number; days: number }> = [];
    for (let d = 0; d < older; d += s.daysPerInsert) chunks.push({ from: today - (s.dayDays - 1 - d) * DAY, days: Math.min(s.daysPerInsert, older - d) });
    done = 0;
    await pool(chunks.map((c) => async () => {
      await seed.ports('port_1d', s.day, c.from, c.days, DAY);
      await seed.geo('geo_1d', s.day, c.from, c.days, DAY);
      const before = done;
      done += c.days;
      if (Math.floor(done / 50) > Math.floor(before / 50) || done === older) log(`seed: ${done}/${older} older days of day rollups (${elapsed()})`);
    }), s.concurrency);

    await seed.run(`DROP TABLE ${seed.table('seed_dest_lib')}`);
    // The total rollups, merged from the port rollups by migration 0006's own
    // backfill statements (they run while the totals are empty, as here).
    const m0006 = (await loadMigrations(db)).find((m) => m.version === 6);
    // A year of day partitions in one INSERT: with the settings migrate gives its backfills.
    const known = await ch.query({ query: `SELECT name FROM system.settings WHERE name IN (${OPTIONAL_SETTINGS.map((n) => `'${n}'`).join(', ')})`, format: 'JSONEachRow' });
    const backfill = backfillSettings(new Set(((await known.json()) as Array<{ name: string }>).map((r) => r.name)));
    for (const statement of m0006?.statements.filter(isInsert) ?? []) await seed.run(statement, 'other', backfill);
    log(`seed: total rollups (${elapsed()})`);
    await seed.run(`INSERT INTO ${seed.table('sensors')} (sensor, darknets, darknet_size, updated_at)
VALUES ('${SEED_SENSOR}', ['${SEED_DARKNET}'], 65536, toDateTime(${now}, 'UTC'))`);
    const insertSec = (performance.now() - t0) / 1000;

    // Let the background merges of the freshly written parts finish, as they
    // would have long ago on a server that collected this history.
    const settle = async (): Promise<number> => {
      const tm = performance.now();
      while (performance.now() - tm < 120_000 && (await seed.scalar(`SELECT count() FROM system.merges WHERE database = '${db}'`)) > 0) {
        await new Promise((r) => setTimeout(r, 500));
      }
      return (performance.now() - tm) / 1000;
    };
    const before = await settle();

    // The upgrade: 0008 fills the new rollups from the old ones, then creates its views.
    const tu = performance.now();
    const up = store(t, db);
    try {
      const r = await migrate(up);
      if (r.applied.length === 0) throw new Error(`migrate applied nothing to ${db}: it was expected to apply 0008`);
      log(`seed: migrated ${r.applied.map((a) => a.file).join(', ')} in ${((performance.now() - tu) / 1000).toFixed(1)} s (${elapsed()})`);
    } finally {
      await up.close();
    }
    const migrationSec = (performance.now() - tu) / 1000;
    const mergeWaitSec = { before, after: await settle() };

    const rows: Record<string, number> = {};
    const bytes: Record<string, number> = {};
    for (const t of [...SEEDED_TABLES, ...READ_TABLES.filter((x) => !(SEEDED_TABLES as readonly string[]).includes(x))]) {
      const where = `WHERE active AND database = '${db}' AND table = '${t}'`;
      rows[t] = await seed.scalar(`SELECT sum(rows) FROM system.parts ${where}`);
      bytes[t] = await seed.scalar(`SELECT sum(bytes) FROM system.parts ${where}`);
    }
    const y = `toDateTime(${today - DAY}, 'UTC')`;
    const lastDay = {
      packets: await seed.scalar(`SELECT sum(packets) FROM ${seed.table('port_total_1d')} WHERE t = ${y}`),
      ports: await seed.scalar(`SELECT count() FROM (SELECT proto, dport FROM ${seed.table('port_total_1d')} WHERE t = ${y} GROUP BY proto, dport)`),
      sources: await seed.scalar(`SELECT uniqCombinedMerge(${precision})(sources) FROM ${seed.table('port_total_1d')} WHERE t = ${y}`),
    };
    // A 7-day range's whole days: the six before today (today and the first partial day are hour tiles, read from raw).
    const d7 = `t >= toDateTime(${today - 6 * DAY}, 'UTC')`;
    const week = {
      sources: await seed.scalar(`SELECT uniqCombinedMerge(${precision})(sources) FROM ${seed.table('port_1h')} WHERE ${d7}`),
      sourceRows: await seed.scalar(`SELECT count() FROM ${seed.table('source_total_1d')} WHERE ${d7} AND t < toDateTime(${today}, 'UTC')`),
    };
    return { database: db, size: s, precision, seconds: (performance.now() - t0) / 1000, insertSec, migrationSec, mergeWaitSec, timings: seed.timings, rows, bytes, lastDay, week };
  } finally {
    await ch.close();
  }
}

// `tsx bench/seed-rollups.ts URL DATABASE [--quick] [--day-days N] [--hour-days N]`: seed by hand
// (user and password from DARKSCOPE_CLICKHOUSE_USER / DARKSCOPE_CLICKHOUSE_PASSWORD).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const opt = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const [url, db] = argv.filter((a, i) => !a.startsWith('--') && (i === 0 || !argv[i - 1].startsWith('--') || argv[i - 1] === '--quick'));
  if (url === undefined || db === undefined) {
    process.stderr.write('usage: tsx bench/seed-rollups.ts CLICKHOUSE_URL DATABASE [--quick] [--day-days N] [--hour-days N]\n');
    process.exit(2);
  }
  const base = argv.includes('--quick') ? QUICK_SEED : FULL_SEED;
  const size: SeedSize = {
    ...base,
    dayDays: opt('day-days') ?? base.dayDays,
    hourDays: opt('hour-days') ?? base.hourDays,
  };
  const target = { url, username: process.env.DARKSCOPE_CLICKHOUSE_USER ?? 'default', password: process.env.DARKSCOPE_CLICKHOUSE_PASSWORD ?? '' };
  const r = await seedRollups(target, db, size, { log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
