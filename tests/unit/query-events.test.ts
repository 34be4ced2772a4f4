import { describe, expect, it } from 'vitest';
import {
  activityEventsSql, checkGap, durationSec, EVENT_CONTEXT_SEC, extrapolateRate, ipv4Coverage, meanRate, type EventSelect,
} from '../../src/query/activity-events.js';
import { dosAttacksSql, dosParams } from '../../src/query/dos-attacks.js';
import { scanEventCountsSql } from '../../src/query/scan-event-counts.js';
import { multiPortType, scanEventsSql, scanParams } from '../../src/query/scan-events.js';
import { ACTIVITY_ROLLUP, ROLLUPS, rollupColumns, rollupSelect, VIRTUAL_ROLLUPS } from '../../src/store/rollups.js';
import { sql, sqlQualified } from '../../src/store/sql.js';
import { oracleDos, oracleEvents, oracleScans, type Probe } from '../helpers/event-traffic.js';

const db = { table: (name: string) => sqlQualified('d', name) };
const RANGE = { from: 1_717_200_000, to: 1_717_286_400 };
const base: EventSelect = { class: 'scan', byPort: true, gapSec: 480, range: RANGE, having: [], minPackets: 0, limit: 10 };

describe('activity rollup', () => {
  it('keeps scans and backscatter only, with the victim port for backscatter', () => {
    const text = rollupSelect(ACTIVITY_ROLLUP, sqlQualified('d', 'packets')).text;
    expect(text).toContain("if(class = 'backscatter', sport, dport) AS port");
    expect(text).toContain("WHERE class IN ('scan', 'backscatter')");
    expect(text).toContain('minState(ts) AS first_seen');
    const day = rollupSelect(ACTIVITY_ROLLUP, sqlQualified('d', 'packets'), { from: 0, to: 86_400 }).text;
    expect(day).toContain("WHERE ts >= toDateTime(0, 'UTC') AND ts < toDateTime(86400, 'UTC') AND class IN ('scan', 'backscatter')");
    expect(rollupColumns(ACTIVITY_ROLLUP)).toEqual(['t', 'sensor', 'class', 'ip_version', 'src', 'src6', 'proto', 'port', 'tool', 'label', 'country', 'asn',
      'packets', 'first_seen', 'last_seen', 'destinations']);
    // Computed from raw packets on read, never stored.
    expect(VIRTUAL_ROLLUPS).toContain(ACTIVITY_ROLLUP);
    expect(ROLLUPS).not.toContain(ACTIVITY_ROLLUP);
  });

  it('events group the raw packets of whole minutes by key and minute directly, class and sensor applied to the packets', () => {
    const text = activityEventsSql(db, { ...base, sensor: 'tokyo', range: { from: RANGE.from + 30, to: RANGE.to + 30 } }).text;
    const from = RANGE.from + 30 - EVENT_CONTEXT_SEC;
    const to = RANGE.to + 30 + EVENT_CONTEXT_SEC;
    expect(text).toContain(`WHERE ts >= toDateTime(${from - (from % 60)}, 'UTC') AND ts < toDateTime(${Math.ceil(to / 60) * 60}, 'UTC') AND class = 'scan' AND sensor = 'tokyo'`);
    expect(text).toContain("SELECT sensor, ip_version, src, src6, proto, if(class = 'backscatter', sport, dport) AS port, toStartOfMinute(ts) AS t,");
    expect(text).toContain('uniqCombinedState(17)(dst_key) AS d');
    expect(text).toContain('GROUP BY sensor, ip_version, src, src6, proto, port, t');
    // No state per activity_1m row merged into the minute: the packets go straight into the key's minute.
    expect(text).not.toContain('activity_1m');
    expect(text).not.toContain('uniqCombinedMergeState');
  });
});

describe('event SQL', () => {
  it('splits at gaps longer than the expiry, reading a day of context on both sides', () => {
    const text = activityEventsSql(db, base).text;
    expect(text).toContain('arrayMap((x, p) -> toUInt32(x > p + 480)');
    expect(text).toContain(`ts >= toDateTime(${RANGE.from - EVENT_CONTEXT_SEC}, 'UTC')`);
    expect(text).toContain(`ts < toDateTime(${RANGE.to + EVENT_CONTEXT_SEC}, 'UTC')`);
    expect(text).toContain(`HAVING start_at >= ${RANGE.from} AND start_at < ${RANGE.to}`);
    expect(text).toContain("class = 'scan'");
    expect(text).toContain('GROUP BY sensor, ip_version, src, src6, proto, port, ev');
    expect(text).toMatch(/LIMIT 10$/);
    expect(activityEventsSql(db, { ...base, limit: null }).text).not.toContain('LIMIT');
  });

  it('filters a port in WHERE per port, and by the ports of an event otherwise', () => {
    expect(activityEventsSql(db, { ...base, port: 23 }).text).toContain("AND if(class = 'backscatter', sport, dport) = 23");
    const multi = activityEventsSql(db, { ...base, byPort: false, port: 23, tool: 'zmap', sensor: "o'brien" }).text;
    expect(multi).not.toContain('port = 23');
    expect(multi).toContain('has(all_ports, 23)');
    expect(multi).toContain("tool_name = 'zmap'");
    expect(multi).toContain("sensor = 'o\\'brien'");
    expect(multi).toContain('GROUP BY sensor, ip_version, src, src6, proto, ev');
  });

  it('refuses gaps the minute buckets cannot split exactly', () => {
    expect(() => checkGap('expiry', 59)).toThrow(/expiry must be a whole number of seconds from 60 to 86400, got 59/);
    expect(() => activityEventsSql(db, { ...base, gapSec: 30.5 })).toThrow(/from 60/);
    expect(checkGap('expiry', 60)).toBe(60);
  });

  it('scan events: one SELECT per port and one per source, with the thresholds', () => {
    const q = scanEventsSql(db, { range: RANGE, filters: {} });
    expect(q.horizontal?.text).toContain('addresses >= 100');
    expect(q.multiPort?.text).toContain('((port_count >= 2 AND addresses >= 100) OR (port_count >= 10 AND addresses < 100))');
    const vertical = scanEventsSql(db, { range: RANGE, filters: {}, types: ['vertical'], verticalMinPorts: 50, minAddresses: 20 });
    expect(vertical.horizontal).toBeNull();
    expect(vertical.multiPort?.text).toContain('(port_count >= 50 AND addresses < 20)');
    // Only keys with as many packets in the window as an event needs are grouped by minute.
    expect(q.horizontal?.text).toContain("(sensor, ip_version, src, src6, proto, if(class = 'backscatter', sport, dport)) IN (SELECT");
    expect(q.horizontal?.text).toContain('HAVING count() >= 100)');
    expect(q.multiPort?.text).toContain('(sensor, ip_version, src, src6, proto) IN (SELECT');
    expect(q.multiPort?.text).toContain('HAVING count() >= 10)');
    expect(vertical.multiPort?.text).toContain('HAVING count() >= 50)');
    const strobe = scanEventsSql(db, { range: RANGE, filters: {}, types: ['strobe'], strobeMinPorts: 3, minAddresses: 40 });
    expect(strobe.multiPort?.text).toContain('HAVING count() >= 40)');
    expect(() => scanEventsSql(db, { range: RANGE, filters: { country: 'JP' } })).toThrow(/cannot apply the filter\(s\) country/);
    expect(() => scanEventsSql(db, { range: RANGE, filters: {}, minAddresses: 0 })).toThrow(/minAddresses/);
  });

  it('DoS attacks: backscatter with corsaro\'s thresholds', () => {
    expect(dosParams({ range: RANGE, filters: {} })).toEqual({ timeoutSec: 300, minPackets: 25, minDurationSec: 60, minPeakPerMinute: 30 });
    const text = dosAttacksSql(db, { range: RANGE, filters: {} }).text;
    expect(text).toContain("class = 'backscatter'");
    expect(text).toContain('arrayMap((x, p) -> toUInt32(x > p + 300)');
    expect(text).toContain('packets_total >= 25 AND end_at - start_at >= 60 AND peak_minute >= 30');
    // A victim needs at least 30 packets (its peak minute alone) to be an attack.
    expect(text).toContain('HAVING count() >= 30)');
    expect(() => dosAttacksSql(db, { range: RANGE, filters: { tool: 'zmap' } })).toThrow(/tool/);
  });

  it('counts per port and day over all events', () => {
    const text = scanEventCountsSql(db, { range: RANGE, filters: {} }).text;
    expect(text).toContain('LIMIT 10 BY day');
    expect(text).not.toContain('LIMIT 100\n');
    expect(text).toContain("toStartOfDay(toDateTime(start_at, 'UTC'))");
  });

  it('defaults come from the literature', () => {
    expect(scanParams({ range: RANGE, filters: {} })).toEqual({ expirySec: 480, minAddresses: 100, strobeMinPorts: 2, verticalMinPorts: 10 });
  });

  it('keeps values out of the SQL text but through the encoders', () => {
    expect(activityEventsSql(db, { ...base, having: [sql`addresses >= 5`] }).text).toContain('AND addresses >= 5');
  });
});

describe('event arithmetic', () => {
  const p = { expirySec: 480, minAddresses: 100, strobeMinPorts: 2, verticalMinPorts: 10 };

  it('types multi-port events', () => {
    expect(multiPortType(2, 100, p)).toBe('strobe');
    expect(multiPortType(1000, 3, p)).toBe('vertical');
    expect(multiPortType(9, 3, p)).toBeNull();
    expect(multiPortType(1, 500, p)).toBeNull();
  });

  it('rates, coverage and extrapolation', () => {
    expect(durationSec(10, 10)).toBe(0);
    expect(meanRate(5, 10, 10)).toBe(5);
    expect(meanRate(100, 0, 50)).toBe(2);
    expect(ipv4Coverage(1024, 4096, 4)).toBe(0.25);
    expect(ipv4Coverage(5000, 4096, 4)).toBe(1);
    expect(ipv4Coverage(10, null, 4)).toBeNull();
    expect(ipv4Coverage(10, 4096, 6)).toBeNull();
    expect(extrapolateRate(2, 65_536, 4)).toBe(2 * 65_536);
    expect(extrapolateRate(2, 0, 4)).toBeNull();
  });
});

describe('the test oracle', () => {
  const probe = (ts: number, dst: string, extra: Partial<Probe> = {}): Probe => ({ ts, src: '203.0.113.1', dst, proto: 'tcp', dport: 23, ...extra });

  it('joins a gap equal to the expiry and splits a longer one', () => {
    const ev = oracleEvents([probe(0, 'a'), probe(480, 'b'), probe(961, 'c')], () => 'k', 480, () => 23);
    expect(ev.map((e) => [e.start, e.end, e.packets, e.addresses])).toEqual([[0, 480, 2, 2], [961, 961, 1, 1]]);
  });

  it('types scans and applies the DoS thresholds', () => {
    const vertical = Array.from({ length: 12 }, (_, i) => probe(i, 'x', { dport: i + 1 }));
    const s = oracleScans(vertical, { expiry: 480, minAddresses: 100, strobeMinPorts: 2, verticalMinPorts: 10 });
    expect([s.horizontal.length, s.strobe.length, s.vertical.length]).toEqual([0, 0, 1]);
    const flood = Array.from({ length: 60 }, (_, i) => probe(i * 2, `d${i}`, { flags: 0x12, sport: 80 }));
    expect(oracleDos(flood, { timeout: 300, minPackets: 25, minDuration: 60, minPeakPerMinute: 30 }).map((e) => [e.packets, e.peakMinute, e.ports])).toEqual([[60, 30, [80]]]);
    expect(oracleDos(flood, { timeout: 300, minPackets: 25, minDuration: 60, minPeakPerMinute: 31 })).toEqual([]);
  });
});
