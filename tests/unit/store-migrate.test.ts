import { describe, expect, it } from 'vitest';
import { expandStatement, loadMigrations, splitStatements } from '../../src/store/migrate.js';
import { regroupSelect, ROLLUPS, rollupColumns, rollupDef, rollupSelect } from '../../src/store/rollups.js';
import { sqlQualified } from '../../src/store/sql.js';

describe('splitStatements', () => {
  it('splits at ; line ends and drops whole-line comments', () => {
    const text = '-- header\nCREATE TABLE a (x UInt8)\nENGINE = Memory;\n\n-- note\nINSERT INTO a VALUES (1);   \n-- trailing comment\n';
    expect(splitStatements(text)).toEqual(['CREATE TABLE a (x UInt8)\nENGINE = Memory', 'INSERT INTO a VALUES (1)']);
  });
  it('keeps a ; that is not at a line end', () => {
    expect(splitStatements("SELECT ';' AS x;\n")).toEqual(["SELECT ';' AS x"]);
  });
});

describe('expandStatement', () => {
  it('expands {db} to the backquoted database and rollup selects from the builder', () => {
    expect(expandStatement('CREATE TABLE {db}.t', 'mydb')).toBe('CREATE TABLE `mydb`.t');
    expect(expandStatement('AS\n{rollup_select:port_1h}', 'mydb'))
      .toBe(`AS\n${rollupSelect(rollupDef('port_1h'), sqlQualified('mydb', 'packets')).text}`);
  });
  it('rejects unknown placeholders and bad database names', () => {
    expect(() => expandStatement('{dbx}', 'mydb')).toThrow(/unknown placeholder/);
    expect(() => expandStatement('{rollup_select:nope}', 'mydb')).toThrow(/unknown rollup/);
    expect(() => expandStatement('{db}', 'my-db')).toThrow(/identifier/);
  });
});

describe('shipped migrations', () => {
  it('load in version order with stable checksums per database name', async () => {
    const a = await loadMigrations('db_a');
    const b = await loadMigrations('db_a');
    expect(a.map((m) => m.version)).toEqual([...a.map((m) => m.version)].sort((x, y) => x - y));
    expect(a.map((m) => m.checksum)).toEqual(b.map((m) => m.checksum));
    const text = a.flatMap((m) => m.statements).join('\n');
    for (const r of ROLLUPS) expect(text).toContain(`CREATE MATERIALIZED VIEW IF NOT EXISTS \`db_a\`.${r.view} TO \`db_a\`.${r.table} AS`);
    expect(text).not.toMatch(/\{[a-z_]+(:[a-z0-9_]+)?\}/);
  });
});

describe('rollupSelect', () => {
  const packets = sqlQualified('d', 'packets');
  it('has no WHERE for views and a UTC day range for rebuilds', () => {
    const view = rollupSelect(rollupDef('port_1m'), packets).text;
    expect(view).not.toContain('WHERE');
    expect(view).toContain('toStartOfMinute(ts) AS t');
    const day = rollupSelect(rollupDef('port_1m'), packets, { from: 1704067200, to: 1704153600 }).text;
    expect(day).toContain("WHERE ts >= toDateTime(1704067200, 'UTC') AND ts < toDateTime(1704153600, 'UTC')");
  });
  it('selects exactly the table columns, t first', () => {
    expect(rollupColumns(rollupDef('country_1d'))).toEqual(['t', 'sensor', 'country', 'packets', 'sources']);
    expect(rollupColumns(rollupDef('source_total_1d'))).toEqual([
      't', 'sensor', 'ip_version', 'src', 'src6', 'class', 'tool', 'label', 'country', 'asn',
      'packets', 'bytes', 'first_seen', 'last_seen', 'destinations', 'ports',
    ]);
    // Computed from raw on read: the per-source hour rows keep the port.
    expect(rollupColumns(rollupDef('source_1h'))).toEqual([
      't', 'sensor', 'ip_version', 'src', 'src6', 'proto', 'dport', 'class', 'tool', 'label', 'country', 'asn',
      'packets', 'bytes', 'first_seen', 'last_seen', 'destinations', 'ports',
    ]);
  });

  it('groups over the whole range, without t, for a query that reads no bucket', () => {
    const range = { from: 1704067200, to: 1704153600 };
    const perPort = rollupSelect(rollupDef('port_1m'), packets, range, [], new Set(['proto', 'dport', 'packets']), false).text;
    expect(perPort).not.toContain('toStartOfMinute');
    expect(perPort).toMatch(/^SELECT\n    proto,\n    dport,\n    count\(\) AS packets\nFROM/);
    expect(perPort).toMatch(/GROUP BY proto, dport$/);
    // With no dimension left there is nothing to group by: one row over the range.
    const total = rollupSelect(rollupDef('port_1m'), packets, range, [], new Set(['packets', 'sources']), false).text;
    expect(total).not.toContain('GROUP BY');
    expect(total).toContain('uniqCombinedState(17)(src_key) AS sources');
    // The default (views, rebuilds) still groups per bucket.
    expect(rollupSelect(rollupDef('port_1m'), packets, range).text).toMatch(/GROUP BY t, sensor, proto, dport, class, tool, label$/);
  });

  it('re-aggregates a finer rollup into coarser buckets: counters summed, states merged', () => {
    const text = regroupSelect(rollupDef('port_1h'), sqlQualified('db', 'port_1h'), 'day', { from: 86_400, to: 3 * 86_400 }, []).text;
    expect(text).toContain('toStartOfDay(t) AS t');
    expect(text).toContain('sum(packets) AS packets');
    expect(text).toContain('uniqCombinedMergeState(17)(sources) AS sources');
    expect(text).toContain("WHERE t >= toDateTime(86400, 'UTC') AND t < toDateTime(259200, 'UTC')");
    expect(text).toMatch(/GROUP BY t, sensor, proto, dport, class, tool, label$/);
  });
});

describe('frozen migrations', () => {
  it('keep the checksums databases recorded when they applied them (0004, 0006 and 0007 no longer expand rollup selects)', async () => {
    const recorded = ['886741b83401', '54cae6b7f5ac', '3ca018866ed2', '29d38a0e8075', 'ecbefadef909', '3eb7c34d6dac', 'caa4c842c715'];
    const shipped = await loadMigrations('darkscope');
    expect(shipped.slice(0, 7).map((m) => m.checksum.slice(0, 12))).toEqual(recorded);
  });
});
