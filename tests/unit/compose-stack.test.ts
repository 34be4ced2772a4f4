/**
 * docker-compose.yml and the Dockerfile, checked without Docker (none on
 * these machines; the stack has not been run here): services, published
 * ports, healthchecks, that every mounted or built path exists in the
 * repository, and that the stack, the provisioning files and the generated
 * dashboards agree on paths, environment variables and the plugin version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DATASOURCE_TYPE, PLUGIN_VERSION } from '../../dashboards/src/constants.js';
import { REPO_ROOT } from '../../dashboards/src/main.js';
import { ingestCommand } from '../../src/cli/commands/ingest.js';
import { parseAfterAction } from '../../src/config.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
}

const text = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');
const compose = parse(text('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const dockerfile = text('Dockerfile');
const dockerignore = text('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

/** Bind mounts (host path starts with . or /) as [host, container]. */
function binds(s: Service): Array<[string, string]> {
  return (s.volumes ?? []).filter((v) => /^[./]/.test(v)).map((v) => {
    const [host, container] = v.split(':');
    return [host, container];
  });
}

const healthcheck = (s: Service): string => (s.healthcheck?.test ?? []).join(' ');

describe('docker-compose.yml', () => {
  it('has ClickHouse, darkscope, Grafana, a one-shot seed and a live-sensor watcher', () => {
    expect(Object.keys(services).sort()).toEqual(['clickhouse', 'darkscope', 'grafana', 'seed', 'watcher']);
    expect(services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
    expect(services.grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(services.seed.restart).toBe('no');
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p]));
    expect(published.map(([n]) => n).sort()).toEqual(['clickhouse', 'darkscope', 'grafana', 'watcher']);
    for (const [name, p] of published) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('has healthchecks: ClickHouse /ping, darkscope /healthz/ready, Grafana /api/health', () => {
    expect(healthcheck(services.clickhouse)).toContain('/ping');
    expect(healthcheck(services.darkscope)).toContain('/healthz/ready');
    expect(healthcheck(services.grafana)).toContain('/api/health');
    for (const name of ['darkscope', 'grafana', 'seed']) expect(services[name].depends_on?.clickhouse?.condition, name).toBe('service_healthy');
  });

  it('ClickHouse keeps its data in a volume and gets a user and password', () => {
    expect(services.clickhouse.volumes).toContain('clickhouse-data:/var/lib/clickhouse');
    expect(compose.volumes).toHaveProperty('clickhouse-data');
    const env = services.clickhouse.environment ?? {};
    expect(env.CLICKHOUSE_USER).toBeTruthy();
    expect(env.CLICKHOUSE_PASSWORD).toMatch(/\$\{CLICKHOUSE_PASSWORD/);
    // The read-only Grafana user's file reads these from the environment.
    const users = text('dashboards/clickhouse/users.d/grafana-readonly.xml');
    for (const m of users.matchAll(/from_env="(\w+)"/g)) expect(env, m[1]).toHaveProperty(m[1]);
    expect(users).toMatch(/<readonly>1<\/readonly>/);
    expect(users).toMatch(/<max_execution_time>\s*<changeable_in_readonly\/>/);
  });

  it('every mounted path exists in the repository', () => {
    let n = 0;
    for (const [name, s] of Object.entries(services)) {
      for (const [host] of binds(s)) {
        expect(existsSync(join(REPO_ROOT, host)), `${name}: ${host}`).toBe(true);
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(6);
  });

  it('Grafana: plugin pinned to the version the dashboards are written for, admin password from env, provisioning mounted', () => {
    const env = services.grafana.environment ?? {};
    expect(env.GF_PLUGINS_PREINSTALL_SYNC).toBe(`${DATASOURCE_TYPE}@${PLUGIN_VERSION}`);
    expect(env).not.toHaveProperty('GF_INSTALL_PLUGINS');
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD/);
    const mounts = new Map(binds(services.grafana).map(([h, c]) => [c, h]));
    for (const kind of ['datasources', 'dashboards', 'alerting']) {
      expect(mounts.get(`/etc/grafana/provisioning/${kind}`), kind).toBe(`./dashboards/provisioning/${kind}`);
    }
    // The dashboards provider reads the folder the generated JSON is mounted at.
    const provider = parse(text('dashboards/provisioning/dashboards/darkscope.yaml')) as { providers: Array<{ type: string; options: { path: string } }> };
    expect(provider.providers[0].type).toBe('file');
    expect(mounts.get(provider.providers[0].options.path)).toBe('./dashboards/json');
    expect(env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${provider.providers[0].options.path}/overview.json`);
    expect(existsSync(join(REPO_ROOT, 'dashboards/json/overview.json'))).toBe(true);
  });

  it('the datasource YAML reads host, port, protocol, user, database and password from variables Grafana gets', () => {
    const yamlText = text('dashboards/provisioning/datasources/clickhouse.yaml');
    const ds = (parse(yamlText) as { datasources: Array<{ jsonData: Record<string, string>; secureJsonData: Record<string, string> }> }).datasources[0];
    for (const key of ['host', 'port', 'protocol', 'username', 'defaultDatabase']) expect(ds.jsonData[key], key).toMatch(/^\$\{\w+\}$/);
    expect(ds.jsonData).not.toHaveProperty('database');
    expect(ds.secureJsonData.password).toMatch(/^\$\{\w+\}$/);
    const env = services.grafana.environment ?? {};
    const values = yamlText.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
    for (const m of values.matchAll(/\$\{(\w+)\}/g)) expect(env, m[1]).toHaveProperty(m[1]);
    expect(env.DARKSCOPE_GRAFANA_CLICKHOUSE_HOST).toBe('clickhouse');
    expect(env.DARKSCOPE_GRAFANA_CLICKHOUSE_DATABASE).toBe(services.darkscope.environment?.DARKSCOPE_DATABASE);
  });

  it('darkscope serves on 0.0.0.0 from the Dockerfile build; the seed ingests a generated capture', () => {
    for (const name of ['darkscope', 'seed']) {
      const b = services[name].build!;
      expect(existsSync(join(REPO_ROOT, b.context, b.dockerfile ?? 'Dockerfile')), name).toBe(true);
      expect(services[name].environment?.DARKSCOPE_CLICKHOUSE_URL, name).toBe('http://clickhouse:8123');
    }
    expect(services.darkscope.command).toEqual(['serve', '--host', '0.0.0.0']);
    const [, script] = services.seed.entrypoint!;
    const [host] = binds(services.seed).find(([, c]) => script.startsWith(`${c}/`))!;
    const seed = text(join(host, script.split('/').pop()!));
    // The generator it loads from the image is built from src/synth.
    expect(seed).toContain("dist/synth/generator.js");
    expect(existsSync(join(REPO_ROOT, 'src/synth/generator.ts'))).toBe(true);
    expect(seed).toMatch(/'ingest'/);
    expect(seed).toContain('writeSynthCapture');
  });
});

describe('live sensor deployment: the compose watcher and the systemd units', () => {
  const ingestFlags = new Set(ingestCommand({ env: {}, stdout: process.stdout, stderr: process.stderr, stdin: (async function* () {})(), isTTY: false }, () => undefined)
    .options.map((o) => o.long));
  /** Every --flag of an ingest command line exists; --after parses. */
  function checkIngestArgs(args: readonly string[]): void {
    expect(args.slice(0, 2)).toEqual(['ingest', '--watch']);
    for (const a of args) if (a.startsWith('--')) expect(ingestFlags.has(a), a).toBe(true);
    const after = args[args.indexOf('--after') + 1];
    expect(parseAfterAction(after).kind).toBe('move');
  }
  const unit = (name: string): Map<string, string[]> => {
    const keys = new Map<string, string[]>();
    for (const line of text(`examples/systemd/${name}`).split('\n')) {
      const m = /^(\w+)=(.*)$/.exec(line);
      if (m !== null) keys.set(m[1], [...(keys.get(m[1]) ?? []), m[2]]);
    }
    return keys;
  };

  it('the compose watcher follows /spool with valid ingest flags, metrics and a health check, in its own profile', () => {
    const w = services.watcher as Service & { profiles?: string[]; stop_grace_period?: string };
    expect(w.profiles).toEqual(['sensor']);
    checkIngestArgs(w.command ?? []);
    expect(w.command?.at(-1)).toBe('/spool');
    expect(w.volumes?.some((v) => v.endsWith(':/spool'))).toBe(true);
    expect(w.environment?.DARKSCOPE_CLICKHOUSE_URL).toBe('http://clickhouse:8123');
    expect(w.depends_on?.clickhouse?.condition).toBe('service_healthy');
    const port = w.command?.[w.command.indexOf('--metrics-port') + 1];
    expect(w.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    expect(healthcheck(w)).toContain(`127.0.0.1:${port}/healthz/live`);
    expect(w.stop_grace_period).toBeDefined();
  });

  it('systemd: tcpdump rotates into the directory the watcher follows; the watcher restarts on failure and stops with SIGTERM', () => {
    const capture = unit('darkscope-capture.service');
    const watch = unit('darkscope-watch.service');
    const tcpdump = capture.get('ExecStart')?.[0] ?? '';
    expect(tcpdump).toMatch(/tcpdump .*-G \d+ .*-w \/var\/spool\/darknet\//);
    const spool = /-w (\S+)\//.exec(tcpdump)?.[1];
    const args = (watch.get('ExecStart')?.[0] ?? '').split(/\s+/).slice(1);
    checkIngestArgs(args);
    expect(args.at(-1)).toBe(spool);
    expect(watch.get('Restart')).toEqual(['on-failure']);
    expect(watch.get('KillSignal')).toEqual(['SIGTERM']);
    expect(watch.get('After')?.[0]).toContain('darkscope-engine.service');
    const engine = unit('darkscope-engine.service');
    expect(engine.get('ExecStart')?.[0]).toMatch(/darkscope clickhouse start$/);
    expect(engine.get('ExecStop')?.[0]).toMatch(/darkscope clickhouse stop$/);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage on node slim, runs as a non-root user, checks /healthz/ready, serves on 0.0.0.0', () => {
    const from = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const image of from) expect(image).toMatch(/^node:(20|22)[\w.-]*slim/);
    const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(user.length).toBe(1);
    expect(user[0]).not.toMatch(/^(root|0)$/);
    // USER comes after the last FROM (it applies to the runtime stage).
    expect(dockerfile.lastIndexOf('\nUSER ')).toBeGreaterThan(dockerfile.lastIndexOf('\nFROM '));
    expect(dockerfile).toMatch(/^HEALTHCHECK[\s\S]*\/healthz\/ready/m);
    expect(dockerfile).toMatch(/^CMD \["serve", "--host", "0\.0\.0\.0"\]/m);
  });

  it('copies only paths that exist and that .dockerignore does not exclude', () => {
    const sources = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const src of sources) {
      expect(existsSync(join(REPO_ROOT, src)), src).toBe(true);
      const top = src.replace(/^\.\//, '').split('/')[0];
      expect(dockerignore.includes(top) || dockerignore.includes(src), `${src} is excluded by .dockerignore`).toBe(false);
    }
    for (const needed of ['node_modules', 'dist', '.git']) expect(dockerignore).toContain(needed);
  });
});
