/**
 * The expander that stands in for Grafana + the ClickHouse plugin in the
 * dashboard integration tests: each step against the text the plugin and
 * Grafana produce (pkg/macros/macros.go, CHDatasource.applyConditionalAll,
 * templateSrv formats).
 */
import { describe, expect, it } from 'vitest';
import { ALL, applyConditionalAll, expandMacros, expandQuery, formatValue, interpolateVariables, type ExpandContext } from '../../dashboards/src/plugin-expander.js';

const FROM = 1_716_163_200; // 2024-05-20 00:00:00 UTC
const TO = FROM + 6 * 3600 + 0.999; // milliseconds are dropped, as the plugin's t.Unix() does
const ctx = (variables: ExpandContext['variables'] = {}, intervalSeconds = 60): ExpandContext => ({ from: FROM, to: TO, intervalSeconds, variables });

describe('backend macros', () => {
  it('expands time filters and times to toDateTime(epoch seconds)', () => {
    expect(expandMacros('WHERE $__timeFilter(t) AND x', ctx())).toBe(`WHERE t >= toDateTime(${FROM}) AND t <= toDateTime(${FROM + 6 * 3600}) AND x`);
    expect(expandMacros('$__fromTime,$__toTime', ctx())).toBe(`toDateTime(${FROM}),toDateTime(${FROM + 6 * 3600})`);
    expect(expandMacros('$__fromTime_ms', ctx())).toBe(`fromUnixTimestamp64Milli(${FROM * 1000})`);
  });

  it('expands $__interval_s to whole seconds, at least 1', () => {
    expect(expandMacros('intDiv(x, $__interval_s)', ctx({}, 1800))).toBe('intDiv(x, 1800)');
    expect(expandMacros('$__interval_s', ctx({}, 0.2))).toBe('1');
  });

  it('expands date filters in UTC and keeps nested parentheses in arguments', () => {
    expect(expandMacros('$__dateFilter(toDate(t))', ctx())).toBe("toDate(t) >= toDate('2024-05-20') AND toDate(t) <= toDate('2024-05-20')");
    expect(expandMacros('$__dateTimeFilter(d, t)', ctx())).toBe(`(d >= toDate('2024-05-20') AND d <= toDate('2024-05-20')) AND (t >= toDateTime(${FROM}) AND t <= toDateTime(${FROM + 6 * 3600}))`);
  });

  it('shows why the dashboards avoid $__timeInterval: it needs toStartOfInterval', () => {
    expect(expandMacros('$__timeInterval(t)', ctx({}, 300))).toBe('toStartOfInterval(toDateTime(t), INTERVAL 300 second)');
  });

  it('rejects unknown macros and wrong argument counts', () => {
    expect(() => expandMacros('$__timeGroup(t, 1h)', ctx())).toThrow(/unknown macro \$__timeGroup/);
    expect(() => expandMacros('$__timeFilter(a, b)', ctx())).toThrow(/expects 1 argument/);
  });
});

describe('$__conditionalAll', () => {
  const sql = 'WHERE $__conditionalAll(sensor IN (${sensor:singlequote}), $sensor) AND $__conditionalAll(country IN (${country:singlequote}), ${country})';
  it('becomes 1=1 for All or an empty selection, the condition otherwise', () => {
    expect(applyConditionalAll(sql, { sensor: { value: [ALL] }, country: { value: '' } })).toBe('WHERE 1=1 AND 1=1');
    expect(applyConditionalAll(sql, { sensor: { value: ['s1'] }, country: { value: ['US', 'CN'] } }))
      .toBe('WHERE sensor IN (${sensor:singlequote}) AND country IN (${country:singlequote})');
  });
});

describe('template variables', () => {
  it('formats like Grafana', () => {
    expect(formatValue(['a', "it's"], 'singlequote', 'v')).toBe("'a','it\\'s'");
    expect(formatValue('x', 'singlequote', 'v')).toBe("'x'");
    expect(formatValue(['a', "it's"], 'sqlstring', 'v')).toBe("'a','it''s'");
    expect(formatValue(['6', '17'], 'csv', 'v')).toBe('6,17');
    expect(formatValue(['s 1', 's2'], 'queryparam', 'sensor')).toBe('var-sensor=s%201&var-sensor=s2');
    expect(() => formatValue('x', 'lucene', 'v')).toThrow(/not supported/);
  });

  it("uses the plugin's default formatter without a format: lists quoted, single values raw", () => {
    expect(interpolateVariables('IN ($s) AND p = $p AND [[p]]', { s: { value: ['a', 'b'] }, p: { value: '23' } })).toBe("IN ('a','b') AND p = 23 AND 23");
  });

  it('expands All to every option, or to allValue', () => {
    expect(interpolateVariables('${c:singlequote}', { c: { value: [ALL], options: ['scan', 'other'] } })).toBe("'scan','other'");
    expect(interpolateVariables('${c}', { c: { value: [ALL], options: ['x'], allValue: '.*' } })).toBe('.*');
  });

  it('leaves the plugin macros and unknown names for later steps', () => {
    expect(interpolateVariables('$__timeFilter(t) $__interval_s $nope', { s: { value: 'x' } })).toBe('$__timeFilter(t) $__interval_s $nope');
  });
});

describe('expandQuery', () => {
  it('runs the three steps in the plugin order', () => {
    const sql = "SELECT 1 FROM port_1h WHERE $__timeFilter(t) AND $__conditionalAll(sensor IN (${sensor:singlequote}), $sensor) AND dport = toUInt16OrZero(${port:singlequote}) AND x = intDiv(1, $__interval_s)";
    expect(expandQuery(sql, ctx({ sensor: { value: ['s1', 's2'] }, port: { value: '23' } }, 3600)))
      .toBe(`SELECT 1 FROM port_1h WHERE t >= toDateTime(${FROM}) AND t <= toDateTime(${FROM + 6 * 3600}) AND sensor IN ('s1','s2') AND dport = toUInt16OrZero('23') AND x = intDiv(1, 3600)`);
  });
});
