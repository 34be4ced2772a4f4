/**
 * The pure SQL builders, checked on their text: which table each query reads,
 * that unique counts are merged (never summed), and that every user value is
 * an encoded literal.
 */
import { describe, expect, it } from 'vitest';
import { filterConditions, parseFilters } from '../../src/query/filters.js';
import { planPortSeries, portsAboveSql, portSeriesSql } from '../../src/query/port-series.js';
import { planSourceProfile, sourceProfileSql } from '../../src/query/source-profile.js';
import { planSummary, summarySql } from '../../src/query/summary.js';
import { SOURCE_KEY_SQL, type Tables } from '../../src/query/rollup-families.js';
import { planTopPorts, topPortsSql } from '../../src/query/top-ports.js';
import { planTopSources, topSourcesSql } from '../../src/query/top-sources.js';
import { planTrends, trendsSql } from '../../src/query/trends.js';
import { sqlJoin, sqlQualified, unsafeRawSql } from '../../src/store/sql.js';

const db: Tables = { table: (name: string) => sqlQualified('ds', name) };
const H = 3_600;
const D = 86_400;
const NOW = Date.UTC(2024, 2, 10, 12) / 1000;
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('filters', () => {
  it('encode every value as a literal, labels included', () => {
    const f = parseFilters({
      sensor: "tok'yo", proto: 'TCP', port: '23', class: 'scan', tool: 'mirai', label: "x') UNION SELECT 1 --",
      excludeLabel: ['research', 'a\\b', 'research'], country: 'cn', asn: 'AS4134',
    });
    expect(f).toEqual({ sensor: "tok'yo", proto: 6, port: 23, class: 'scan', tool: 'mirai', label: "x') UNION SELECT 1 --", excludeLabels: ['research', 'a\\b'], country: 'CN', asn: 4134 });
    expect(sqlJoin(filterConditions(f), unsafeRawSql(' AND ')).text).toBe(
      "sensor = 'tok\\'yo' AND proto = 6 AND dport = 23 AND class = 'scan' AND tool = 'mirai' AND label = 'x\\') UNION SELECT 1 --'"
      + " AND label NOT IN ('research', 'a\\\\b') AND country = 'CN' AND asn = 4134");
    expect(sqlJoin(filterConditions(parseFilters({ label: '\u0000' })), unsafeRawSql(' ')).text).toBe("label = '\\x00'");
  });

  it('reject values outside their type', () => {
    expect(() => parseFilters({ proto: 'tcpp' })).toThrow(/proto "tcpp" must be/);
    expect(() => parseFilters({ proto: '256' })).toThrow(/proto/);
    expect(() => parseFilters({ port: '65536' })).toThrow(/port "65536" must be a number 0..65535/);
    expect(() => parseFilters({ class: 'worm' })).toThrow(/class "worm" must be one of scan, backscatter, other/);
    expect(() => parseFilters({ country: 'CHN' })).toThrow(/two-letter/);
    expect(() => parseFilters({ asn: '4294967296' })).toThrow(/asn/);
    expect(() => parseFilters({ label: 'x'.repeat(257) })).toThrow(/longer than 256/);
  });
});

describe('summary SQL', () => {
  it('reads hour port rollups, merges unique states over the range, and country rollups for countries', () => {
    const input = { range: { from: NOW - 2 * D, to: NOW }, filters: parseFilters({ excludeLabel: 'research' }) };
    const plan = planSummary(input, NOW, 14);
    const q = summarySql(db, plan, input);
    // A label filter: port_total_1d has no label, so the totals read the hour rollups only.
    expect(flat(q.totals.text)).toBe(flat(`SELECT sum(packets) AS packets, sum(bytes) AS bytes, uniqCombinedMerge(17)(sources) AS sources,
      uniqCombinedMerge(17)(destinations) AS destinations, groupUniqArray(sensor) AS sensors
      FROM \`ds\`.\`port_1h\`
      WHERE t >= toDateTime(${NOW - 2 * D}, 'UTC')
        AND t < toDateTime(${NOW}, 'UTC')
        AND label NOT IN ('research')`));
    // country_1d has no label: with the label filter, no day tile.
    expect(q.countries.text).toContain('FROM `ds`.`country_1h`');
    expect(q.countries.text).not.toContain('country_1d');
    expect(q.countries.text).toContain("AND country != ''");
    // Ports are chosen by packets (no state read) before their unique-source states are merged, for those ports only.
    expect(q.topPortRank.text).toContain('GROUP BY key\n  ORDER BY total DESC, key\n  LIMIT 10\n)');
    expect(q.topPortRank.text).not.toContain('sources');
    const top = q.topPorts([{ proto: 6, port: 23 }, { proto: 17, port: 53 }]).text;
    expect(top).toContain('AND (proto, dport) IN ((6, 23), (17, 53))');
    expect(top).toMatch(/ORDER BY packets DESC, proto, port$/);
    expect(q.topPorts([]).text).toContain('AND 0');
    // Classes, protocols and the research share in one pass over the rows without the label
    // filters: the research share ignores them, the class and protocol packets apply them.
    expect(q.mix.text).toContain("SELECT class, proto, sumIf(packets, label NOT IN ('research')) AS kept,");
    expect(q.mix.text).toContain("sum(packets) AS total, sumIf(packets, label = 'research') AS research");
    expect(q.mix.text).not.toContain('AND label NOT IN');
    expect(q.mix.text).toMatch(/GROUP BY class, proto$/);
    expect(q.mix.text).toContain('SELECT t, class, proto, label, packets, bytes FROM `ds`.`mix_1d`');
  });

  it('reads the countries of a month from country_1d when no filter needs more', () => {
    const input = { range: { from: NOW - 30 * D, to: NOW }, filters: {} };
    const q = summarySql(db, planSummary(input, NOW, 14), input);
    expect(q.countries.text).toContain('SELECT t, country, packets, sources FROM `ds`.`country_1d`');
    expect(q.countries.text).toContain('SELECT t, country, packets, sources FROM `ds`.`country_1h`');
    expect(q.topPorts([]).text).toContain('SELECT proto, dport, packets, bytes, sources, destinations FROM `ds`.`port_total_1d`');
    expect(q.topPortRank.text).toContain('SELECT proto, dport, packets FROM `ds`.`port_total_1d`');
  });

  it('reads the headline totals from the total rollups when no filter but a sensor is set', () => {
    const input = { range: { from: NOW - 30 * D, to: NOW }, filters: parseFilters({ sensor: 'tokyo' }) };
    const q = summarySql(db, planSummary(input, NOW, 14), input);
    expect(q.totals.text).toContain('SELECT t, sensor, packets, bytes, sources, destinations FROM `ds`.`total_1d`');
    expect(q.totals.text).toContain('FROM `ds`.`total_1h`');
    expect(q.totals.text).toContain("sensor = 'tokyo'");
    expect(q.mix.text).toContain('FROM `ds`.`mix_1d`');
    expect(q.mix.text).toContain('SELECT class, proto, sum(packets) AS kept,');
  });

  it('switches to source rollups for country filters, counting source keys', () => {
    const input = { range: { from: NOW - 100 * D, to: NOW }, filters: parseFilters({ country: 'JP' }) };
    const plan = planSummary(input, NOW, 14);
    expect(plan.grain).toBe('day');
    const q = summarySql(db, plan, input);
    expect(q.totals.text).toContain('FROM `ds`.`source_total_1d`');
    expect(q.totals.text).toContain(`uniqCombined(17)(${SOURCE_KEY_SQL.text}) AS sources`);
    expect(q.countries.text).toContain('FROM `ds`.`country_1d`');
    // The top ports need the port: source_total_1d has none, so the days come from the source rows computed from raw packets.
    expect(q.topPortRank.text).toContain('FROM `ds`.`packets`');
    // Grouped by what the ranking reads (the port and the filter's country), packets only.
    // Over the whole range, not per bucket: the ranking reads no t.
    expect(q.topPortRank.text).toContain('GROUP BY proto, dport, country)');
    expect(q.topPortRank.text).not.toContain('uniqCombined');
    expect(q.topPortRank.text).not.toContain('first_seen');
  });
});

describe('top ports / series / sources / profile / trends SQL', () => {
  it('top ports by sources', () => {
    const input = { range: { from: NOW - H, to: NOW }, filters: {}, by: 'sources' as const, limit: 5 };
    const q = topPortsSql(db, planTopPorts(input, NOW, 14), input);
    if (q.ports === null) throw new Error('ranked by sources: one query');
    // Minute grain: computed from the raw packets of the range, filters applied to the packets.
    // Grouped by port over the whole range, not per minute: the query reads no t.
    expect(flat(q.ports.text)).toContain(flat(`FROM (SELECT
      proto,
      dport,`));
    expect(q.ports.text).not.toContain('toStartOfMinute');
    expect(q.ports.text).toContain('GROUP BY proto, dport)');
    expect(q.ports.text).toContain(`FROM \`ds\`.\`packets\`\nWHERE ts >= toDateTime(${NOW - H}, 'UTC') AND ts < toDateTime(${NOW}, 'UTC')`);
    expect(q.ports.text).toContain('ORDER BY sources DESC, packets DESC, proto, port\nLIMIT 5');
    expect(q.ports.text).not.toContain(' IN (SELECT');
    // Minute grain: the total comes from the port rows too (total rollups start at hours).
    expect(q.total.text).toContain('FROM `ds`.`packets`');
  });

  it('top ports by packets over a month: whole days from day rollups, ports chosen before states merge', () => {
    const input = { range: { from: NOW - 30 * D, to: NOW }, filters: {} };
    const q = topPortsSql(db, planTopPorts(input, NOW, 14), input);
    expect(q.ports).toBeNull();
    // The ranking reads no state; the chosen ports' condition applies inside every tile (day, and the hours at each end).
    expect(q.rank.text).toContain('SELECT proto, dport, packets FROM `ds`.`port_total_1d`');
    const measures = q.measures([{ proto: 6, port: 23 }]).text;
    expect(measures).toContain('SELECT proto, dport, packets, bytes, sources, destinations FROM `ds`.`port_total_1d`');
    // The stored tiles still keep to their own range (the day table and the hour table of the ends).
    expect(measures).toContain(`FROM \`ds\`.\`port_total_1d\`\n  WHERE t >= toDateTime(${Math.ceil((NOW - 30 * D) / D) * D}, 'UTC')`);
    expect(measures.match(/AND \(proto, dport\) IN \(\(6, 23\)\)/g)).toHaveLength(3);
    expect(q.total.text).toContain('FROM `ds`.`total_1d`');
  });

  it('5-minute series buckets minute rollups with toStartOfFiveMinute; rank counts ports strictly above', () => {
    const input = { range: { from: NOW - 12 * H, to: NOW }, filters: {}, proto: 6, port: 23, interval: '5m' as const };
    const plan = planPortSeries(input, NOW, 14);
    const q = portSeriesSql(db, plan, input);
    expect(q.buckets.text).toContain('SELECT toUInt32(toStartOfFiveMinute(t)) AS bucket');
    // From raw packets, the port's filter on the packets (the raw table's primary key) and again on the rows.
    expect(q.buckets.text).toContain(`FROM \`ds\`.\`packets\`\nWHERE ts >= toDateTime(${NOW - 12 * H}, 'UTC') AND ts < toDateTime(${NOW}, 'UTC') AND proto = 6 AND dport = 23`);
    expect(q.buckets.text).toContain('AND proto = 6\n  AND dport = 23');
    const rank = portsAboveSql(db, plan, input, 42);
    expect(rank.text).toContain('HAVING p > 42');
    expect(rank.text).not.toContain('dport = 23');
  });

  it('an hourly series buckets the hour rollups; its totals and rank read whole days from the day rollups', () => {
    const input = { range: { from: NOW - 30 * D, to: NOW }, filters: {}, proto: 6, port: 23, interval: '1h' as const };
    const plan = planPortSeries(input, NOW, 14);
    const q = portSeriesSql(db, plan, input);
    expect(q.buckets.text).toContain('FROM `ds`.`port_1h`');
    expect(q.buckets.text).not.toContain('port_total_1d');
    expect(q.total.text).toContain('FROM `ds`.`port_total_1d`');
    expect(q.total.text).toContain('FROM `ds`.`port_1h`');
    // The port's filter applies in every tile: the hours before and after the whole days, and the days.
    expect(q.total.text.match(/AND dport = 23/g)).toHaveLength(3);
    const rank = portsAboveSql(db, plan, input, 42);
    expect(rank.text).toContain('FROM `ds`.`port_total_1d`');
    // With a class filter the day tiles would need port_1h: port_total_1d has no class.
    const scans = { ...input, filters: parseFilters({ class: 'scan' }) };
    expect(portSeriesSql(db, planPortSeries(scans, NOW, 14), scans).total.text).not.toContain('port_total_1d');
    expect(rank.text).not.toContain('dport = 23');
  });

  it('top sources by packets choose their sources by packets before merging states', () => {
    const input = { range: { from: NOW - 7 * D, to: NOW }, filters: {} };
    const q = topSourcesSql(db, planTopSources(input, NOW, 14), input);
    // IPv4 and IPv6 sources ranked apart (each by its own address column), then merged.
    expect(q.rank?.text).toContain('SELECT ip_version, src, packets FROM `ds`.`source_total_1d`');
    expect(q.rank?.text).toContain('SELECT ip_version, src6, packets FROM `ds`.`source_total_1d`');
    // The hours at the ends, computed from raw packets, are grouped by address over each end's range, with no t.
    expect(q.rank?.text).toContain('GROUP BY ip_version, src)');
    expect(q.rank?.text).not.toContain('toStartOfHour');
    expect(q.rank?.text).toMatch(/ORDER BY total DESC, ip_version, src, src6_hex\nLIMIT 20$/);
    const text = q.measures([{ ipVersion: 4, src: 3221225991, src6Hex: '00'.repeat(16) }]).text;
    expect(text).toContain('SELECT t, ip_version, src, src6, class, tool, label, country, asn, packets, bytes, first_seen, last_seen, destinations, ports FROM `ds`.`source_total_1d`');
    expect(text).toContain(`(ip_version, src, src6) IN ((4, 3221225991, '${'\\x00'.repeat(16)}'))`);
    // The partial days at the edges: source rows computed from raw packets.
    expect(text).toContain('FROM `ds`.`packets`');
    expect(text).toContain('uniqCombinedMerge(17)(ports) AS port_count');
  });

  it('top sources read source rollups; aliases never shadow columns', () => {
    const input = { range: { from: NOW - D, to: NOW }, filters: parseFilters({ port: 23, proto: 'tcp', country: 'CN' }), by: 'ports' as const };
    const q = topSourcesSql(db, planTopSources(input, NOW, 14), input);
    expect(q.rank).toBeNull();
    const text = q.measures(null).text;
    // A port filter: no source_total_1d (it has no port); raw packets, the filters applied to them.
    expect(text).not.toContain('source_total_1d');
    expect(text).toContain(`FROM \`ds\`.\`packets\`\nWHERE ts >= toDateTime(${NOW - D}, 'UTC') AND ts < toDateTime(${NOW}, 'UTC') AND proto = 6 AND dport = 23 AND country = 'CN'`);
    expect(text).toContain('ORDER BY port_count DESC, total_packets DESC, ip_version, src, src6');
    // The rows computed from raw are a subquery: its aliases are its own columns and do not reach the outer query.
    const outer = text.replace(/\(SELECT\n {4}toStartOf[\s\S]*?\nGROUP BY t, [^)]*\)/g, '(rows)');
    expect(outer).toContain('FROM (rows)');
    for (const column of ['packets', 'bytes', 'country', 'asn', 'label', 'tool', 'first_seen', 'last_seen']) {
      expect(outer, column).not.toMatch(new RegExp(`AS ${column}\\b`));
    }
  });

  it('a source profile selects one address; fingerprints read at most 7 retained days of raw packets', () => {
    const input = { range: { from: NOW - 30 * D, to: NOW }, filters: {}, ip: '2001:db8::1' };
    const plan = planSourceProfile(input, NOW, 30);
    expect(plan.raw).toEqual({ from: NOW - 7 * D, to: NOW });
    expect(plan.timeline).toEqual({ interval: '1d', step: D });
    const q = sourceProfileSql(db, plan, input);
    expect(q.totals.text).toContain("ip_version = 6 AND src6 = '\\x20\\x01\\x0d\\xb8\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01'");
    expect(q.timeline.text).toContain('toUInt32(toStartOfDay(t)) AS bucket');
    // Hour grain: the profile's rows come from raw packets, the address applied to the packets first.
    expect(q.ports.text).toContain("AND ip_version = 6 AND src6 = '\\x20\\x01");
    expect(q.ports.text).toContain('FROM `ds`.`packets`');
    expect(q.totals.text).toContain('FROM `ds`.`source_total_1d`');
    expect(q.fingerprints?.text).toContain('FROM `ds`.`packets`');
    expect(q.fingerprints?.text).toContain(`ts >= toDateTime(${NOW - 7 * D}, 'UTC')`);
    const old = planSourceProfile({ ...input, range: { from: NOW - 90 * D, to: NOW - 60 * D }, ip: '192.0.2.7' }, NOW, 30);
    expect(old.raw).toBeNull();
    expect(sourceProfileSql(db, old, { ...input, ip: '192.0.2.7' }).totals.text).toContain('ip_version = 4 AND src = 3221225991');
    expect(() => planSourceProfile({ ...input, ip: "1.2.3.4' OR 1=1" }, NOW, 30)).toThrow(/is not an IPv4 or IPv6 address/);
  });

  it('trends group per port and day, keeping ports busy in the recent window', () => {
    const input = { filters: {}, params: { minPackets: 50 } };
    const plan = planTrends(input, NOW);
    const text = trendsSql(db, plan, input).text;
    expect(text).toContain('FROM `ds`.`port_total_1d`');
    expect(text).toContain(`toUInt16(intDiv(toUInt32(t) - ${plan.baseline.from}, 86400)) AS day`);
    expect(text).toContain('uniqCombinedMerge(17)(sources) AS s, uniqCombinedMerge(17)(destinations) AS d');
    expect(text).toContain('HAVING sumIf(p, day >= 28) >= 50');
  });
});
