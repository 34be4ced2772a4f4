/**
 * The committed Grafana files are what dashboards/src generates, and they
 * hang together: every datasource reference is the provisioned datasource,
 * every variable a query or link uses is defined, links point at existing
 * dashboards and variables, panel types get the result shapes they need, and
 * no query uses a macro ClickHouse 18.16 cannot run.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dashboard, Panel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { alertQueries, alertRulesProvisioning, CONTACT_POINT } from '../../dashboards/src/alert-rules.js';
import type { ClickHouseTarget } from '../../dashboards/src/clickhouse-query.js';
import { DASHBOARD_UIDS, DATASOURCE_TYPE, DATASOURCE_UID } from '../../dashboards/src/constants.js';
import { ALERT_RULES_FILE, DASHBOARD_JSON_DIR, dashboardSpecs, generatedFiles } from '../../dashboards/src/generate.js';
import { REPO_ROOT, run } from '../../dashboards/src/main.js';
import { GRAINS, seriesOverGrains, type Filter } from '../../dashboards/src/sql.js';
import { ROLLUPS } from '../../src/store/rollups.js';

const read = (path: string): Promise<string> => readFile(join(REPO_ROOT, path), 'utf8');
const specs = dashboardSpecs();
const dashboards: Dashboard[] = specs.map((s) => s.spec.build());

/** The plugin's macros (pkg/macros) plus the frontend's $__conditionalAll. */
const MACROS = new Set(['timeFilter', 'fromTime', 'toTime', 'interval_s', 'dateFilter', 'conditionalAll']);
/** Grafana's data-link and global variables allowed in links. */
const LINK_BUILTINS = new Set(['__data', '__url_time_range', '__value']);

/** Every variable name a text refers to ($name, ${name}, ${name:fmt}, ${name.path}, [[name]]). */
function variableRefs(text: string): string[] {
  const re = /\$(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\$\{(\w+)(?:\.[^:^}]+)?(?::[^}]+)?\}/g;
  return [...text.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]);
}

function panelsOf(d: Dashboard): Panel[] {
  return (d.panels ?? []).filter((p): p is Panel => p.type !== 'row');
}

function targetsOf(p: Panel): ClickHouseTarget[] {
  return (p.targets ?? []) as unknown as ClickHouseTarget[];
}

function variablesOf(d: Dashboard): VariableModel[] {
  return d.templating.list ?? [];
}

/** Data-link and dashboard-link URLs of a dashboard. */
function linkUrls(d: Dashboard): string[] {
  const urls = (d.links ?? []).flatMap((l) => (l.url === undefined ? [] : [l.url]));
  for (const p of panelsOf(d)) {
    for (const o of p.fieldConfig?.overrides ?? []) {
      for (const prop of o.properties) {
        if (prop.id === 'links') urls.push(...(prop.value as Array<{ url: string }>).map((l) => l.url));
      }
    }
  }
  return urls;
}

describe('generated files', () => {
  it('the committed files are exactly what `npm run dashboards` writes', async () => {
    for (const [path, text] of generatedFiles()) {
      const committed = await read(path).catch(() => '(missing)');
      expect(committed, `${path} is stale: run npm run dashboards`).toBe(text);
    }
    const jsonFiles = (await readdir(join(REPO_ROOT, DASHBOARD_JSON_DIR))).map((f) => `${DASHBOARD_JSON_DIR}/${f}`);
    expect(jsonFiles.sort(), 'no dashboard JSON that the code does not generate').toEqual([...generatedFiles().keys()].filter((p) => p.startsWith(DASHBOARD_JSON_DIR)).sort());
  });

  it('`npm run dashboards -- --check` agrees', async () => {
    const out: string[] = [];
    const code = await run(['--check'], REPO_ROOT, { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream);
    expect(out.join('')).toContain('up to date');
    expect(code).toBe(0);
  });

  it('generation is deterministic', () => {
    expect([...generatedFiles()]).toEqual([...generatedFiles()]);
  });
});

describe('dashboards', () => {
  it('have the stable uids, one file each, classic JSON (not the v2 envelope)', () => {
    expect(dashboards.map((d) => d.uid)).toEqual(Object.values(DASHBOARD_UIDS));
    for (const d of dashboards) {
      expect(d).not.toHaveProperty('apiVersion');
      expect(d.schemaVersion).toBeGreaterThan(30);
      expect(d.title).toMatch(/^darkscope \/ /);
    }
  });

  it('every panel, target and query variable uses the provisioned ClickHouse datasource', async () => {
    const ds = parse(await read('dashboards/provisioning/datasources/clickhouse.yaml')) as { datasources: Array<{ uid: string; type: string }> };
    expect(ds.datasources.map((x) => [x.uid, x.type])).toEqual([[DATASOURCE_UID, DATASOURCE_TYPE]]);
    for (const d of dashboards) {
      for (const p of panelsOf(d)) {
        expect(p.datasource, `${d.uid} / ${p.title}`).toEqual({ type: DATASOURCE_TYPE, uid: DATASOURCE_UID });
        expect(targetsOf(p).length, `${d.uid} / ${p.title}`).toBeGreaterThan(0);
        for (const t of targetsOf(p)) expect(t.datasource, `${d.uid} / ${p.title}`).toEqual({ type: DATASOURCE_TYPE, uid: DATASOURCE_UID });
      }
      for (const v of variablesOf(d).filter((x) => x.type === 'query')) {
        expect(v.datasource, `${d.uid} / $${v.name}`).toEqual({ type: DATASOURCE_TYPE, uid: DATASOURCE_UID });
      }
    }
  });

  it('panel ids are unique, titles unique per dashboard, refIds unique per panel', () => {
    for (const d of dashboards) {
      const ids = (d.panels ?? []).map((p) => p.id);
      expect(new Set(ids).size, d.uid).toBe(ids.length);
      const titles = panelsOf(d).map((p) => p.title);
      expect(new Set(titles).size, d.uid).toBe(titles.length);
      for (const p of panelsOf(d)) {
        const refs = targetsOf(p).map((t) => t.refId);
        expect(new Set(refs).size).toBe(refs.length);
      }
    }
  });

  it('targets are raw-SQL ClickHouse queries whose format and result shape fit the panel type', () => {
    const shapeFor: Record<string, string> = { timeseries: 'timeseries', stat: 'single', piechart: 'single', table: 'table', barchart: 'table' };
    for (const { spec } of specs) {
      const d = spec.build();
      for (const p of panelsOf(d)) {
        for (const t of targetsOf(p)) {
          expect(t.editorType).toBe('sql');
          expect(t.format, `${d.uid} / ${p.title}`).toBe(p.type === 'timeseries' ? 0 : 1);
          expect(t.queryType).toBe(p.type === 'timeseries' ? 'timeseries' : 'table');
          const q = spec.queries.find((x) => x.panelTitle === p.title && x.query.rawSql === t.rawSql);
          expect(q, `${d.uid} / ${p.title}: query recorded with its shape`).toBeDefined();
          expect(q!.query.shape.kind, `${d.uid} / ${p.title} (${p.type})`).toBe(shapeFor[p.type]);
        }
      }
      const targets = panelsOf(d).flatMap(targetsOf).length;
      expect(spec.queries.length, d.uid).toBe(targets);
    }
  });

  it('every variable a query uses is defined, and only portable macros are used', () => {
    for (const d of dashboards) {
      const defined = new Set(variablesOf(d).map((v) => v.name));
      const texts = [
        ...panelsOf(d).flatMap((p) => targetsOf(p).map((t) => ({ where: `${d.uid} / ${p.title}`, sql: t.rawSql }))),
        ...variablesOf(d).filter((v) => v.type === 'query').map((v) => ({ where: `${d.uid} / $${v.name}`, sql: String(v.query) })),
      ];
      for (const { where, sql } of texts) {
        for (const ref of variableRefs(sql)) {
          if (ref.startsWith('__')) expect(MACROS.has(ref.slice(2)), `${where}: macro $${ref}`).toBe(true);
          else expect(defined.has(ref), `${where}: variable $${ref}`).toBe(true);
        }
        // toStartOfInterval is missing on ClickHouse 18.16; these macros expand to it.
        expect(sql, where).not.toMatch(/\$__timeInterval|\$__timeGroup|toStartOfInterval|\$__interval\b|\$__interval_ms/);
        // Rollup rows are partial: state columns are only ever read through uniqCombinedMerge(17).
        for (const m of sql.matchAll(/\((sources|destinations|ports)[,)]/g)) {
          expect(sql.slice(0, m.index), `${where}: ${m[1]} read without uniqCombinedMerge(17)`).toMatch(/uniqCombinedMerge(If|State)?\(17\)$/);
        }
      }
    }
  });

  it('$__conditionalAll is only used with variables that have All', () => {
    for (const d of dashboards) {
      const withAll = new Set(variablesOf(d).filter((v) => v.includeAll === true).map((v) => v.name));
      for (const p of panelsOf(d)) {
        for (const t of targetsOf(p)) {
          for (const m of t.rawSql.matchAll(/\$__conditionalAll\([^$]*\$(\w+)\)/g)) expect(withAll.has(m[1]), `${d.uid} / ${p.title}: $${m[1]}`).toBe(true);
        }
      }
    }
  });

  it('links point at existing dashboards and set only variables the target defines', () => {
    const byUid = new Map(dashboards.map((d) => [d.uid!, new Set(variablesOf(d).map((v) => v.name))]));
    let checked = 0;
    for (const d of dashboards) {
      const own = byUid.get(d.uid!)!;
      for (const url of linkUrls(d)) {
        const m = /^\/d\/([\w-]+)(?:\?(.*))?$/.exec(url);
        expect(m, `${d.uid}: link ${url}`).not.toBeNull();
        const target = byUid.get(m![1]);
        expect(target, `${d.uid}: link to unknown dashboard ${m![1]}`).toBeDefined();
        for (const part of (m![2] ?? '').split('&').filter((x) => x !== '')) {
          const set = /^var-(\w+)=/.exec(part);
          if (set !== null) expect(target!.has(set[1]), `${d.uid} → ${m![1]}: var-${set[1]}`).toBe(true);
          for (const ref of variableRefs(part)) {
            if (LINK_BUILTINS.has(ref)) continue;
            expect(own.has(ref), `${d.uid}: link uses $${ref}`).toBe(true);
            expect(target!.has(ref), `${m![1]} has no variable ${ref} to carry over`).toBe(true);
          }
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(8);
  });

  it('data links name columns the panel query returns', () => {
    for (const { spec } of specs) {
      const d = spec.build();
      for (const p of panelsOf(d)) {
        const columns = new Set(spec.queries.filter((q) => q.panelTitle === p.title).flatMap((q) => {
          const s = q.query.shape;
          return s.kind === 'table' ? s.columns.map((c) => c.name) : s.kind === 'timeseries' ? ['time', ...s.values] : [...s.values];
        }));
        for (const o of p.fieldConfig?.overrides ?? []) {
          expect(columns.has(String(o.matcher.options)), `${d.uid} / ${p.title}: override on ${String(o.matcher.options)}`).toBe(true);
          for (const prop of o.properties.filter((x) => x.id === 'links')) {
            for (const l of prop.value as Array<{ url: string }>) {
              for (const f of l.url.matchAll(/\$\{__data\.fields\.(\w+)\}/g)) expect(columns.has(f[1]), `${d.uid} / ${p.title}: field ${f[1]}`).toBe(true);
            }
          }
        }
      }
    }
  });
});

describe('tables read', () => {
  /** Raw packets, the sensors table and the rollups a view fills (migration 0008); not the old rollups left empty. */
  const READABLE = new Set(['packets', 'sensors', ...ROLLUPS.map((r) => r.table)]);
  const allSql = (): Array<{ where: string; sql: string }> => [
    ...dashboards.flatMap((d) => [
      ...panelsOf(d).flatMap((p) => targetsOf(p).map((t) => ({ where: `${d.uid} / ${p.title}`, sql: t.rawSql }))),
      ...variablesOf(d).filter((v) => v.type === 'query').map((v) => ({ where: `${d.uid} / $${v.name}`, sql: String(v.query) })),
    ]),
    ...alertQueries().map((q) => ({ where: q.uid, sql: q.query.rawSql })),
  ];

  it('every query reads raw packets, sensors or a rollup that a view still fills', () => {
    const seen = new Set<string>();
    for (const { where, sql } of allSql()) {
      for (const m of sql.matchAll(/\b(?:FROM|(?<!ARRAY )JOIN)\s+([A-Za-z_][\w.]*)/g)) {
        expect(READABLE.has(m[1]), `${where}: reads ${m[1]}`).toBe(true);
        seen.add(m[1]);
      }
    }
    // The old rollups are empty on a new database (migration 0008): none may appear anywhere.
    for (const { where, sql } of allSql()) {
      expect(sql, where).not.toMatch(/\b(port_1m|port_1d|source_1h|source_1d|geo_1h|geo_1d|activity_1m)\b/);
    }
    expect([...seen].sort()).toEqual(['country_1d', 'country_1h', 'mix_1d', 'packets', 'port_1h', 'port_total_1d', 'sensors', 'source_total_1d']);
  });

  it('a series grain reads its day rollup only when the rollup has every column the panel needs', () => {
    const tables = (filters: readonly Filter[], columns: readonly string[], family: 'port' | 'source' = 'port') => {
      const read: string[] = [];
      seriesOverGrains(family, filters, columns, (rows) => {
        read.push(rows.table);
        return 'SELECT 1';
      });
      return read;
    };
    expect(tables(['sensor', 'proto', 'port'], [])).toEqual(['packets', 'port_1h', 'port_total_1d']);
    expect(tables(['sensor', 'proto', 'port', 'class', 'excludeLabel'], [])).toEqual(['packets', 'port_1h', 'port_1h']);
    expect(tables(['sensor', 'protoExact', 'portExact'], ['tool'])).toEqual(['packets', 'port_1h', 'port_1h']);
    expect(tables(['sensor', 'ip'], [], 'source')).toEqual(['packets', 'source_total_1d']);
    expect(() => tables(['sensor', 'ip'], [])).toThrow(/none of port_1h has the columns/);
    expect(GRAINS.port.map((g) => g.name)).toEqual(['minute', 'hour', 'day']);
  });
});

describe('alert rules', () => {
  it('query the pinned datasource, fire on the threshold expression, and route to the provisioned contact point', async () => {
    const file = parse(await read(ALERT_RULES_FILE)) as ReturnType<typeof alertRulesProvisioning> & { groups: Array<{ rules: Array<Record<string, any>> }> };
    expect(file).toEqual(alertRulesProvisioning());
    const contacts = parse(await read('dashboards/provisioning/alerting/contact-points.yaml')) as { contactPoints: Array<{ name: string }> };
    expect(contacts.contactPoints.map((c) => c.name)).toEqual([CONTACT_POINT]);
    const rules = file.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.uid)).toEqual(['darkscope-port-spike', 'darkscope-new-port']);
    for (const r of rules) {
      const refIds = r.data.map((q: { refId: string }) => q.refId);
      expect(refIds).toContain(r.condition);
      const [a, c] = r.data;
      expect(a.datasourceUid).toBe(DATASOURCE_UID);
      expect(a.model.datasource).toEqual({ type: DATASOURCE_TYPE, uid: DATASOURCE_UID });
      expect(a.model.format, 'table format: one instance per port').toBe(1);
      expect(a.relativeTimeRange.to, 'allows for ingest lag').toBeGreaterThan(0);
      // Alert queries cannot use dashboard variables: only the plugin's macros.
      for (const ref of variableRefs(a.model.rawSql)) expect(ref.startsWith('__') && MACROS.has(ref.slice(2)), ref).toBe(true);
      expect(c.datasourceUid).toBe('__expr__');
      expect(c.model).toMatchObject({ type: 'threshold', expression: 'A' });
      expect(r.notification_settings.receiver).toBe(CONTACT_POINT);
      expect(r.noDataState).toBe('OK');
    }
    for (const { uid, query } of alertQueries()) {
      expect(query.shape.kind).toBe('table');
      const numeric = query.shape.kind === 'table' ? query.shape.columns.filter((col) => col.type === 'number') : [];
      expect(numeric.length, `${uid}: exactly one numeric column`).toBe(1);
    }
  });
});
