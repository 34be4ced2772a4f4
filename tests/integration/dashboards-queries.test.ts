/**
 * Every panel query, every query variable and every alert-rule query of the
 * generated Grafana dashboards runs for real on the harness's ClickHouse, on
 * seeded data: expanded the way Grafana + grafana-clickhouse-datasource
 * expand them (dashboards/src/plugin-expander.ts), against a database that
 * the datasource's defaultDatabase would name (the client sends `database`,
 * as the plugin does, because panel SQL uses unqualified table names).
 *
 * For each of several time ranges (minute, hour and day grains) and variable
 * selections, each result must have the columns and row shape its panel type
 * needs; with the default selections every panel must show data; and the
 * panels are checked against answers computed from the seeded rows, so one
 * that reads a rollup no view fills any more (port_1m, port_1d, source_1h,
 * source_1d, geo_1h, geo_1d, activity_1m: empty on this new database) fails.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Dashboard, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertQueries, INGEST_LAG_S, NEW_PORT_MIN_SOURCES, SPIKE_Z } from '../../dashboards/src/alert-rules.js';
import type { ResultShape } from '../../dashboards/src/clickhouse-query.js';
import { dashboardSpecs } from '../../dashboards/src/generate.js';
import { ALL, expandQuery, type ExpandContext, type VariableState } from '../../dashboards/src/plugin-expander.js';
import { GRAINS, measure, PORT_LABEL, seriesOverGrains } from '../../dashboards/src/sql.js';
import { portLabel } from '../../src/net/protocols.js';
import { chooseGrain } from '../../src/query/grain.js';
import { rawGrains } from '../../src/query/rollup-families.js';
import { migrate } from '../../src/store/migrate.js';
import { DEFAULT_RAW_DAYS } from '../../src/store/retention.js';
import { saveSensorDarknets } from '../../src/store/sensors.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { DAY, dayStart, generateRows, insertRows, type RawRow } from './helpers/packets.js';

const HOUR = 3600;
/**
 * The dashboards' "now": 12:00 UTC today. Recent, because the panels read
 * minutes (and a source's hours) from raw packets only for ranges inside raw
 * retention, which ends at the server's now(); always noon, so the seeded traffic sits at the same hours
 * of its days in every run (the source drill-down's address list covers
 * whole days).
 */
const T0 = Math.floor(Date.now() / 1000 / DAY) * DAY + 12 * HOUR;

let db: TestDatabase;
let client: ClickHouseClient;
let rows: RawRow[];

/** Background: 17 days of the helper's mixed traffic (ports 22, 23, 80, 443, 445, 3389, 8080, 2323; TCP/UDP/ICMP; s1/s2). */
function background(): RawRow[] {
  return generateRows({ count: 16_000, from: T0 - 17 * DAY, to: T0, seed: 11, sources: 3000 });
}

/** A spike on 23/TCP: 2000 new sources in the last 24 hours. */
function spike(): RawRow[] {
  return generateRows({ count: 2000, from: T0 - DAY, to: T0, seed: 12, ipv6Share: 0 }).map((r, i) => ({
    ...r, proto: 6, dport: 23, class: 'scan', label: '', sensor: 's1', src: (0x0b000000 + i) >>> 0,
  }));
}

/** A new port, 37215/TCP: 150 sources (2 packets each) in the last 24 hours, never before. */
function newPort(): RawRow[] {
  return generateRows({ count: 300, from: T0 - DAY, to: T0, seed: 13, ipv6Share: 0 }).map((r, i) => ({
    ...r, proto: 6, dport: 37215, class: 'scan', label: '', src: (0x0c000000 + (i % 150)) >>> 0,
  }));
}

/** A horizontal scan event: one source, 8080/TCP, 120 darknet addresses, one a second, 3 hours before now. */
function scanEvent(): RawRow[] {
  return generateRows({ count: 120, from: T0 - 3 * 3600, to: T0 - 3 * 3600 + 1, seed: 14, ipv6Share: 0 }).map((r, i) => ({
    ...r, ts: T0 - 3 * 3600 + i, proto: 6, dport: 8080, class: 'scan', label: '', sensor: 's1', src: 0x0d000001, dst: (0xc6336400 + i) >>> 0,
  }));
}

beforeAll(async () => {
  db = await freshDatabase('dashboards', { create: false });
  await migrate(db.store);
  rows = [...background(), ...spike(), ...newPort(), ...scanEvent()];
  await insertRows(db.store, rows, 2000);
  await saveSensorDarknets(db.store, 's1', ['198.51.100.0/24']);
  await saveSensorDarknets(db.store, 's2', ['203.0.113.0/25']);
  // The datasource's defaultDatabase: panel SQL names tables without a database.
  client = createClient({ url: db.url, database: db.name, request_timeout: 60_000 });
}, 180_000);

afterAll(async () => {
  await client?.close();
  await db?.dispose();
});

interface Result {
  readonly meta: ReadonlyArray<{ name: string; type: string }>;
  readonly data: ReadonlyArray<Record<string, unknown>>;
}

async function run(sql: string): Promise<Result> {
  const rs = await client.query({ query: sql, format: 'JSON' });
  const body = (await rs.json()) as unknown as Result;
  return { meta: body.meta, data: body.data };
}

function kindOf(type: string): 'number' | 'string' | 'time' | 'other' {
  const t = type.replace(/^Nullable\((.*)\)$/, '$1');
  if (/^(U?Int\d+|Float\d+|Decimal)/.test(t)) return 'number';
  if (/^DateTime/.test(t)) return 'time';
  if (/^(String|FixedString|Enum)/.test(t)) return 'string';
  return 'other';
}

/** Throws (with the query's panel in the message) when the result does not fit the panel. */
function checkShape(where: string, shape: ResultShape, r: Result): void {
  const names = r.meta.map((m) => m.name);
  const kinds = r.meta.map((m) => kindOf(m.type));
  switch (shape.kind) {
    case 'timeseries': {
      expect(names, where).toEqual(['time', ...shape.values]);
      expect(kinds, where).toEqual(['time', ...shape.values.map(() => 'number')]);
      const times = r.data.map((d) => String(d.time));
      expect([...times].sort(), `${where}: ordered by time`).toEqual(times);
      expect(new Set(times).size, `${where}: one row per bucket`).toBe(times.length);
      break;
    }
    case 'table':
      expect(names, where).toEqual(shape.columns.map((c) => c.name));
      expect(kinds, where).toEqual(shape.columns.map((c) => c.type));
      break;
    case 'single':
      expect(names, where).toEqual(shape.values);
      expect(kinds, where).toEqual(shape.values.map(() => 'number'));
      expect(r.data.length, `${where}: one row`).toBe(1);
      break;
  }
}

interface Range {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly intervalSeconds: number;
}

const SHORT: Range = { name: '6 hours (minutes from raw packets)', from: T0 - 6 * HOUR, to: T0, intervalSeconds: 60 };
const WEEK: Range = { name: '7 days (hour rollup)', from: T0 - 7 * DAY, to: T0, intervalSeconds: 1800 };
const QUARTER: Range = { name: '90 days (day grain)', from: T0 - 90 * DAY, to: T0, intervalSeconds: 86_400 };

/**
 * Variable states as Grafana would have them: custom options from the JSON,
 * query-variable options by running their SQL, the saved `current` (or the
 * first option when none is saved), unless `selected` overrides it.
 */
async function resolveVariables(d: Dashboard, range: Range, selected: Readonly<Record<string, string | string[]>> = {}): Promise<Record<string, VariableState>> {
  const states: Record<string, VariableState> = {};
  for (const v of (d.templating.list ?? []) as VariableModel[]) {
    let options: string[] = [];
    if (v.type === 'custom') options = (v.options ?? []).map((o) => String(o.value));
    if (v.type === 'query') {
      const sql = expandQuery(String(v.query), { ...range, variables: states });
      const r = await run(sql);
      expect(r.meta.length, `variable ${v.name}: value column (and optional label)`).toBeGreaterThanOrEqual(1);
      expect(r.meta.length).toBeLessThanOrEqual(2);
      options = r.data.map((row) => String(row[r.meta[0].name]));
    }
    const saved = v.current?.value;
    const pick = selected[v.name];
    // A single-value variable takes the first of several values (the port drill-down's protocol).
    const chosen = pick === undefined ? undefined : (Array.isArray(pick) && v.multi !== true ? pick[0] : pick);
    const value = chosen ?? (saved !== undefined && saved !== '' ? saved : (options[0] ?? (typeof v.query === 'string' ? v.query : '')));
    states[v.name] = { value, options, ...(v.allValue ? { allValue: v.allValue } : {}) };
  }
  return states;
}

const specs = dashboardSpecs();

async function runPanels(uid: string, range: Range, selected: Readonly<Record<string, string | string[]>> = {}): Promise<Map<string, Result>> {
  const spec = specs.find((s) => s.spec.uid === uid)!.spec;
  const dashboard = spec.build();
  const variables = await resolveVariables(dashboard, range, selected);
  const ctx: ExpandContext = { ...range, variables };
  const out = new Map<string, Result>();
  for (const { panelTitle, query } of spec.queries) {
    const where = `${uid} / ${panelTitle} / ${range.name}`;
    let r: Result;
    try {
      r = await run(expandQuery(query.rawSql, ctx));
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    checkShape(where, query.shape, r);
    out.set(panelTitle, r);
  }
  return out;
}

const num = (v: unknown): number => Number(v);
const hourOf = (ts: number): number => Math.floor(ts / HOUR) * HOUR;
/** Rows the hourly panels count for a range: hour buckets starting inside [from, to]. */
const inHours = (r: RawRow, range: Range): boolean => hourOf(r.ts) >= range.from && hourOf(r.ts) <= range.to;
/** Rows the panels reading raw packets count: [from, to] to the second. */
const inSeconds = (r: RawRow, range: Range): boolean => r.ts >= range.from && r.ts <= range.to;
const sumOf = (data: ReadonlyArray<Record<string, unknown>>, column: string): number => data.reduce((a, x) => a + num(x[column]), 0);
const ipv4Text = (n: number): string => [24, 16, 8, 0].map((b) => (n >>> b) & 255).join('.');
const countBy = <K>(xs: readonly RawRow[], key: (r: RawRow) => K): Map<K, number> => {
  const m = new Map<K, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
};

describe('every dashboard query runs and returns what its panel needs', () => {
  for (const { name, spec } of specs) {
    for (const range of [SHORT, WEEK, QUARTER]) {
      it(`${name}: ${range.name}, default variables, every panel has data`, async () => {
        const results = await runPanels(spec.uid, range);
        for (const [title, r] of results) expect(r.data.length, `${spec.uid} / ${title} / ${range.name}`).toBeGreaterThan(0);
      }, 60_000);
    }
  }

  it('with explicit selections (not All) on every multi-value variable', async () => {
    const ipv6Source = rows.find((r) => r.ip_version === 6 && inSeconds(r, WEEK))!;
    const ipv6Text = `2001:db8:ff00::${((ipv6Source.src6[14] << 8) | ipv6Source.src6[15]).toString(16)}`;
    const selected = {
      sensor: ['s1'], proto: ['6', '17'], class: ['scan', 'backscatter'], country: ['US', 'CN'],
      exclude_label: ['research', "it's \\ odd"], port: '23', ip: ipv6Text,
    };
    for (const { spec } of specs) await runPanels(spec.uid, WEEK, selected);
    const source = await runPanels('darkscope-source', WEEK, { ip: ipv6Text });
    const expected = rows.filter((r) => r.ip_version === 6 && r.src6[14] === ipv6Source.src6[14] && r.src6[15] === ipv6Source.src6[15] && inSeconds(r, WEEK)).length;
    expect(expected).toBeGreaterThan(0);
    expect(num(source.get('Packets')!.data[0].total_packets), 'IPv6 source found by its text form').toBe(expected);
  }, 120_000);
});

describe('known answers', () => {
  it('overview totals, shares and packets per darknet IP match the seeded rows', async () => {
    const r = await runPanels('darkscope-overview', WEEK);
    const inRange = rows.filter((x) => inHours(x, WEEK));
    const counted = inRange.filter((x) => x.label !== 'research');
    expect(num(r.get('Packets')!.data[0].packets)).toBe(counted.length);
    const research = inRange.filter((x) => x.label === 'research').length;
    expect(num(r.get('Research-scan share')!.data[0].research_share)).toBeCloseTo(research / inRange.length, 6);
    expect(num(r.get('Packets per darknet IP')!.data[0].packets_per_darknet_ip)).toBeCloseTo(counted.length / (256 + 128), 6);
    // The series (hour rollup for a week) adds up to the total.
    const series = r.get('Packets and unique sources')!.data.reduce((a, x) => a + num(x.packets), 0);
    expect(series).toBe(counted.length);
    // 23/TCP, with the spike, is the busiest TCP port; shares are of all TCP packets.
    const tcp = r.get('Top 10 TCP ports')!.data;
    expect(num(tcp[0].dport)).toBe(23);
    const tcpTotal = counted.filter((x) => x.proto === 6).length;
    expect(num(tcp[0].share)).toBeCloseTo(num(tcp[0].packets) / tcpTotal, 6);
    const pie = r.get('Top 10 ports vs others')!.data[0];
    expect(num(pie.top_10_ports) + num(pie.other_ports)).toBe(counted.length);
    // The seeded scan is the one scan event of the week (no background source reaches 100 addresses).
    const day = new Date((T0 - 3 * 3600) * 1000).toISOString().slice(0, 10);
    expect(r.get('Scan events per port and day')!.data.map((x) => [x.day, x.port_label, num(x.events), num(x.sources)])).toEqual([[day, '8080/TCP', 1, 1]]);
    const classes = r.get('Class mix')!.data[0];
    expect(num(classes.scan)).toBe(counted.filter((x) => x.class === 'scan').length);
    const bySensor = r.get('Packets per darknet IP by sensor')!.data;
    expect(bySensor.map((x) => [x.sensor, num(x.darknet_size)])).toEqual([['s1', 256], ['s2', 128]]);
    // Distinct sources per country (country_1h), within 2% of the exact count.
    const hosts = r.get('Top countries by unique hosts')!.data;
    const exact = new Map<string, Set<string>>();
    for (const x of counted) {
      const c = x.country === '' ? 'unknown' : x.country;
      exact.set(c, (exact.get(c) ?? new Set()).add(`${x.ip_version}:${x.src}:${x.src6.join(',')}`));
    }
    expect(hosts.map((x) => x.country).sort()).toEqual([...exact.keys()].sort());
    for (const x of hosts) {
      const n = exact.get(String(x.country))!.size;
      expect(Math.abs(num(x.hosts) - n) / n, `hosts of ${String(x.country)}`).toBeLessThan(0.02);
    }
  }, 60_000);

  it('overview series add up to the packets of the range at every grain', async () => {
    // Minutes from raw packets (to the second), hours of port_1h, days of port_1h for 90 days.
    const counted = (range: Range, inRange: (r: RawRow, range: Range) => boolean) => rows.filter((x) => inRange(x, range) && x.label !== 'research').length;
    for (const [range, inRange] of [[SHORT, inSeconds], [WEEK, inHours], [QUARTER, inHours]] as const) {
      const r = await runPanels('darkscope-overview', range);
      const expected = counted(range, inRange);
      expect(expected, range.name).toBeGreaterThan(0);
      expect(sumOf(r.get('Packets and unique sources')!.data, 'packets'), range.name).toBe(expected);
    }
    // A minute's unique sources (raw uniqCombined(17)) against the exact count of its busiest minute.
    const r = await runPanels('darkscope-overview', SHORT);
    const minutes = countBy(rows.filter((x) => inSeconds(x, SHORT) && x.label !== 'research'), (x) => Math.floor(x.ts / 60) * 60);
    const [busiest] = [...minutes].sort((a, b) => b[1] - a[1])[0];
    const inMinute = rows.filter((x) => Math.floor(x.ts / 60) * 60 === busiest && inSeconds(x, SHORT) && x.label !== 'research');
    const row = r.get('Packets and unique sources')!.data.find((x) => Date.parse(`${String(x.time)}Z`) / 1000 === busiest)!;
    expect(num(row.packets)).toBe(inMinute.length);
    expect(num(row.sources)).toBe(new Set(inMinute.map((x) => `${x.ip_version}:${x.src}:${x.src6.join(',')}`)).size);
  }, 60_000);

  it('time series read the grain that fits the range', async () => {
    const spacing = async (range: Range): Promise<number[]> => {
      const r = await runPanels('darkscope-overview', range);
      const times = r.get('Packets and unique sources')!.data.map((x) => Date.parse(`${String(x.time)}Z`) / 1000);
      return [...new Set(times.slice(1).map((t, i) => t - times[i]))].sort((a, b) => a - b);
    };
    expect((await spacing(SHORT))[0]).toBe(60); // minute rollup, 60 s buckets
    expect((await spacing(WEEK))[0]).toBe(WEEK.intervalSeconds < HOUR ? HOUR : WEEK.intervalSeconds); // hour rollup
    expect((await spacing(QUARTER))[0]).toBe(DAY); // day rollup
  }, 60_000);

  it('a series with only sensor, protocol and port filters reads port_total_1d for long ranges', async () => {
    // No panel has such a series today (every port panel filters class and label); this keeps the
    // day rollup's branch runnable and right for the day one does.
    const sql = seriesOverGrains('port', ['sensor', 'proto', 'port'], [], (rows, bucket, w) => `SELECT ${bucket} AS time, ${measure.packets(rows)} AS packets, ${measure.sources(rows)} AS sources
FROM ${rows.table}
WHERE ${w}
GROUP BY time`);
    expect(sql).toContain('FROM port_total_1d');
    const variables = { sensor: { value: [ALL], options: ['s1', 's2'] }, proto: { value: [ALL], options: ['6', '17', '1', '58'] }, port: { value: '23' } };
    const r = await run(expandQuery(sql, { ...QUARTER, variables }));
    checkShape('port_total_1d series', { kind: 'timeseries', values: ['packets', 'sources'] }, r);
    // Days overlapping the range: every seeded row (all lie in the 17 days before T0).
    const expected = rows.filter((x) => x.dport === 23 && x.proto !== 1);
    expect(sumOf(r.data, 'packets')).toBe(expected.length);
    const times = r.data.map((x) => Date.parse(`${String(x.time)}Z`) / 1000);
    expect(times.every((t) => t % DAY === 0)).toBe(true);
  }, 60_000);

  it('label ports exactly as the API does (portLabel)', async () => {
    const cases = [[6, 23], [17, 53], [132, 2905], [1, 0], [58, 0], [47, 0], [41, 0]];
    const sql = `SELECT ${PORT_LABEL} AS label FROM (SELECT arrayJoin(${JSON.stringify(cases)}) AS c, toUInt8(c[1]) AS proto, toUInt16(c[2]) AS dport)`;
    const rs = await client.query({ query: sql, format: 'JSONEachRow' });
    expect(((await rs.json()) as Array<{ label: string }>).map((r) => r.label)).toEqual(cases.map(([p, d]) => portLabel(p, d)));
  });

  it('choose the grain exactly as the query layer does (chooseGrain), raw retention included', async () => {
    const now = Math.floor(Date.now() / 1000);
    const firstRawDay = Math.floor(now / DAY) * DAY - DEFAULT_RAW_DAYS * DAY;
    const ranges: Array<[string, number, number]> = [
      ['last 6 hours', now - 6 * HOUR, now],
      ['6 hours and a second', now - 6 * HOUR - 1, now],
      ['6 hours, 20 days ago', now - 20 * DAY - 6 * HOUR, now - 20 * DAY],
      ['6 hours, 40 days ago (raw packets dropped by retention)', now - 40 * DAY - 6 * HOUR, now - 40 * DAY],
      ['6 hours starting on the first retained day', firstRawDay, firstRawDay + HOUR],
      ['6 hours ending on the first retained day', firstRawDay - HOUR, firstRawDay + 5 * HOUR],
      ['2 days', now - 2 * DAY, now],
      ['2 days, 40 days ago', now - 42 * DAY, now - 40 * DAY],
      ['60 days', now - 60 * DAY, now],
      ['60 days and a second', now - 60 * DAY - 1, now],
      ['a year', now - 365 * DAY, now],
    ];
    for (const family of ['port', 'source'] as const) {
      for (const [name, from, to] of ranges) {
        const conds = GRAINS[family].map((g) => `toUInt8(${g.when}) AS ${g.name}`).join(', ');
        const sql = expandQuery(`SELECT ${conds}`, { from, to, intervalSeconds: 60, variables: {} });
        const rs = await client.query({ query: sql, format: 'JSONEachRow' });
        const [flags] = (await rs.json()) as Array<Record<string, number>>;
        const chosen = GRAINS[family].filter((g) => flags[g.name] === 1).map((g) => g.name);
        const expected = chooseGrain({ from, to }, now, { finest: family === 'port' ? 'minute' : 'hour', fromRaw: rawGrains(family), rawDays: DEFAULT_RAW_DAYS });
        expect(chosen, `${family}, ${name}`).toEqual([expected]);
      }
    }
  });

  it('port drill-down counts 23/TCP', async () => {
    const r = await runPanels('darkscope-port', WEEK);
    const is23 = (x: RawRow) => x.proto === 6 && x.dport === 23 && x.label !== 'research';
    const expected = rows.filter((x) => inHours(x, WEEK) && is23(x));
    expect(num(r.get('Packets')!.data[0].packets)).toBe(expected.length);
    const sources = new Set(expected.map((x) => `${x.ip_version}:${x.src}:${x.src6.join(',')}`)).size;
    expect(Math.abs(num(r.get('Unique sources')!.data[0].sources) - sources) / sources).toBeLessThan(0.02);
    expect(sumOf(r.get('Packets and unique sources')!.data, 'packets')).toBe(expected.length);
    expect(sumOf(r.get('Packets by tool fingerprint')!.data, 'mirai')).toBe(expected.filter((x) => x.tool === 'mirai').length);
    // Sources, countries and ASNs come from raw packets: the range to the second.
    const raw = rows.filter((x) => inSeconds(x, WEEK) && is23(x));
    const top = r.get('Top sources')!.data;
    expect(top.length).toBe(20);
    const perSource = countBy(raw.filter((x) => x.ip_version === 4), (x) => ipv4Text(x.src));
    const busiest = Math.max(...perSource.values());
    expect(num(top[0].packets)).toBe(busiest);
    expect(perSource.get(String(top[0].source))).toBe(busiest);
    expect(sumOf(r.get('Countries')!.data, 'packets')).toBe(raw.length);
    const byCountry = countBy(raw, (x) => (x.country === '' ? 'unknown' : x.country));
    for (const x of r.get('Countries')!.data) expect(num(x.packets), String(x.country)).toBe(byCountry.get(String(x.country)));
    const byAsn = countBy(raw, (x) => (x.asn === 0 ? 'unknown' : `AS${x.asn}`));
    expect(new Map(r.get('ASNs')!.data.map((x) => [String(x.asn), num(x.packets)]))).toEqual(byAsn);
    // Six hours: minutes from raw packets.
    const short = await runPanels('darkscope-port', SHORT);
    const shortRows = rows.filter((x) => inSeconds(x, SHORT) && is23(x));
    expect(shortRows.length).toBeGreaterThan(0);
    expect(sumOf(short.get('Packets and unique sources')!.data, 'packets')).toBe(shortRows.length);
    for (const tool of ['mirai', 'zmap', 'masscan', 'none'] as const) {
      expect(sumOf(short.get('Packets by tool fingerprint')!.data, tool), tool).toBe(shortRows.filter((x) => x.tool === tool).length);
    }
  }, 60_000);

  it('source drill-down: whole days from source_total_1d, part days and hours from raw packets', async () => {
    // The busiest IPv4 source of the week (ties: the lowest address) with packets both in the week's
    // whole UTC days (source_total_1d) and in its part days (raw packets), so both are read.
    const firstWholeDay = Math.ceil(WEEK.from / DAY) * DAY;
    const lastWholeDay = Math.floor(WEEK.to / DAY) * DAY;
    const inWholeDays = (x: RawRow) => x.ts >= firstWholeDay && x.ts < lastWholeDay;
    const weekRows = rows.filter((x) => inSeconds(x, WEEK) && x.ip_version === 4);
    const both = new Set(weekRows.filter(inWholeDays).map((x) => x.src));
    const edges = new Set(weekRows.filter((x) => !inWholeDays(x)).map((x) => x.src));
    const perSource = countBy(weekRows.filter((x) => both.has(x.src) && edges.has(x.src)), (x) => x.src);
    expect(perSource.size).toBeGreaterThan(0);
    const [src] = [...perSource].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    const ip = ipv4Text(src);
    const mine = (range: Range) => rows.filter((x) => x.ip_version === 4 && x.src === src && inSeconds(x, range));
    const week = mine(WEEK);
    const r = await runPanels('darkscope-source', WEEK, { ip });
    expect(num(r.get('Packets')!.data[0].total_packets)).toBe(week.length);
    expect(num(r.get('Distinct ports')!.data[0].port_count)).toBe(new Set(week.map((x) => `${x.proto}/${x.dport}`)).size);
    expect(num(r.get('Darknet IPs hit')!.data[0].targets)).toBe(new Set(week.map((x) => x.dst)).size);
    expect(num(r.get('Active hours')!.data[0].active_hours)).toBe(new Set(week.map((x) => hourOf(x.ts))).size);
    expect(sumOf(r.get('Timeline')!.data, 'packets')).toBe(week.length);
    expect(sumOf(r.get('Ports touched')!.data, 'packets')).toBe(week.length);
    const classTool = countBy(week, (x) => `${x.class}/${x.tool}`);
    expect(new Map(r.get('Class and tool')!.data.map((x) => [`${String(x.class)}/${String(x.tool)}`, num(x.packets)]))).toEqual(classTool);
    expect(sumOf(r.get('Country, ASN and label')!.data, 'packets')).toBe(week.length);
    // 90 days: the timeline reads whole days of source_total_1d (the seeded rows all lie before T0).
    const quarter = await runPanels('darkscope-source', QUARTER, { ip });
    const all = rows.filter((x) => x.ip_version === 4 && x.src === src);
    expect(sumOf(quarter.get('Timeline')!.data, 'packets')).toBe(all.length);
    expect(num(quarter.get('Packets')!.data[0].total_packets)).toBe(mine(QUARTER).length);
  }, 60_000);

  it('trends: 23/TCP is the top spike and 37215/TCP a new port with 150 sources', async () => {
    const r = await runPanels('darkscope-trends', WEEK);
    const spikes = r.get('Current spikes')!.data;
    expect(spikes[0].port).toBe('23/TCP');
    expect(num(spikes[0].robust_z)).toBeGreaterThan(10);
    expect(num(spikes[0].recent_sources)).toBeGreaterThan(2000);
    expect(num(r.get('Ports spiking')!.data[0].spiking_ports)).toBe(spikes.length);
    const fresh = r.get('New ports')!.data;
    const p37215 = fresh.find((x) => x.port === '37215/TCP');
    expect(p37215).toBeDefined();
    expect(Math.abs(num(p37215!.recent_sources) - 150)).toBeLessThanOrEqual(3);
    expect(num(r.get('Ports new')!.data[0].new_ports)).toBe(fresh.length);
    // Nothing else is new: every background port was seen on the baseline days.
    expect(fresh.map((x) => x.port)).toEqual(['37215/TCP']);
  }, 60_000);
});

describe('alert rule queries', () => {
  it('return string columns plus one numeric column, one row per port, and fire on the seeded spike and new port', async () => {
    // Grafana evaluates at now - INGEST_LAG_S (the rule's relativeTimeRange.to).
    const ctx: ExpandContext = { from: T0 - 16 * DAY, to: T0 + HOUR - INGEST_LAG_S, intervalSeconds: 60, variables: {} };
    const results = new Map<string, Result>();
    for (const { uid, query } of alertQueries()) {
      const r = await run(expandQuery(query.rawSql, ctx));
      checkShape(uid, query.shape, r);
      expect(r.meta.filter((m) => kindOf(m.type) === 'number').length, uid).toBe(1);
      expect(new Set(r.data.map((x) => x.port)).size, `${uid}: one row per port`).toBe(r.data.length);
      results.set(uid, r);
    }
    const spikes = results.get('darkscope-port-spike')!.data;
    expect(spikes[0].port).toBe('23/TCP');
    expect(num(spikes[0].robust_z)).toBeGreaterThan(SPIKE_Z);
    expect(spikes.filter((x) => num(x.robust_z) > SPIKE_Z).map((x) => x.port)).toEqual(['23/TCP']);
    const fresh = results.get('darkscope-new-port')!.data;
    expect(fresh.filter((x) => num(x.recent_sources) > NEW_PORT_MIN_SOURCES).map((x) => x.port)).toEqual(['37215/TCP']);
  }, 60_000);
});

describe('query variables', () => {
  it('list what the seeded data holds', async () => {
    const overview = specs.find((s) => s.spec.uid === 'darkscope-overview')!.spec.build();
    const states = await resolveVariables(overview, WEEK);
    expect(states.sensor.options).toEqual(['s1', 's2']);
    expect(states.country.options).toEqual(['CN', 'DE', 'US']);
    // The seeded labels, read from mix_1d, with the two fixed choices.
    expect([...states.exclude_label.options!].sort()).toEqual(['(none)', "it's \\ odd", 'research'].sort());
    expect(states.sensor.value).toEqual([ALL]);
    const source = specs.find((s) => s.spec.uid === 'darkscope-source')!.spec.build();
    const src = await resolveVariables(source, SHORT);
    // The busiest 100 sources of today (the day SHORT lies in), from source_total_1d: the seeded scan's source first (120 packets).
    const today = new Set(rows.filter((x) => Math.floor(x.ts / DAY) === Math.floor(T0 / DAY)).map((x) => `${x.ip_version}:${x.src}:${x.src6.join(',')}`));
    expect(src.ip.options!.length).toBe(Math.min(100, today.size));
    expect(src.ip.options![0]).toBe('13.0.0.1');
    expect(src.ip.value).toBe(src.ip.options![0]);
  }, 60_000);
});

