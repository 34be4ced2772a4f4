/**
 * A private ClickHouse server in a directory of its own, for the test
 * harnesses (integration-server, cluster) and the bench: darkscope itself
 * never starts a ClickHouse server (it runs its embedded engine, or talks to
 * the user's server).
 *
 * Layout of `dataDir`:
 *   config.xml, users.xml   generated on every start (ports may change)
 *   data/ tmp/ user_files/ format_schemas/ ...   the server's files
 *   log/server.log, log/server.err.log, log/stdout.log, log/stderr.log
 *   server.json             { pid, url, ... } while a server started here runs
 *
 * The config is generated from scratch rather than copied from
 * /etc/clickhouse-server: the packaged config differs between releases and
 * points at /var in many places (logs, user_directories, user_scripts, ...),
 * while the few keys below mean the same on 18.16 and current releases. The
 * root element is <clickhouse> (current name; 18.16 ignores the root's name).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, openSync, closeSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { basename, delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DarkscopeError } from '../../src/errors.js';
import { freePort, isAlive, terminate } from '../../src/store/processes.js';

export { freePort, isAlive, terminate };

export interface ClickHouseBinary {
  /** Absolute path of the executable. */
  readonly path: string;
  /** Arguments before `--config-file=...` (`['server']` for the single `clickhouse` binary). */
  readonly args: readonly string[];
}

export interface FindBinaryOptions {
  /** Explicit binary (the CLI passes DARKSCOPE_CLICKHOUSE_BIN here). */
  readonly bin?: string;
  /** Environment for the PATH lookup; defaults to process.env at call time. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface StartLocalServerOptions extends FindBinaryOptions {
  /** Directory the server owns (created if missing). */
  readonly dataDir: string;
  /** Fixed ports; each defaults to a free port on 127.0.0.1. */
  readonly httpPort?: number;
  readonly tcpPort?: number;
  readonly interserverPort?: number;
  /** The server's default time zone (default 'UTC'). darkscope's schema never depends on it. */
  readonly timezone?: string;
  /** How long to wait for `/ping` to answer `Ok.` (default 30 000 ms). */
  readonly readyTimeoutMs?: number;
  /** Let the server outlive this process (the CLI's `clickhouse start`). Default false. */
  readonly detached?: boolean;
  /** Make the server a node of a cluster (ZooKeeper, macros, remote_servers, distributed DDL). */
  readonly cluster?: ClusterNodeConfig;
}

/** What a server needs to be one node of a ClickHouse cluster. */
export interface ClusterNodeConfig {
  /** ZooKeeper (or ClickHouse Keeper) ensemble. */
  readonly zookeeper: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  /** `<macros>`: at least `shard` and `replica` (used in Replicated*MergeTree paths and replica names). */
  readonly macros: Readonly<Record<string, string>>;
  /**
   * `<remote_servers>`: cluster name → shards → replicas (host and TCP port).
   * Every shard gets internal_replication = true: a Distributed insert writes
   * one replica and ReplicatedMergeTree copies it to the others.
   */
  readonly clusters: Readonly<Record<string, ReadonlyArray<ReadonlyArray<{ readonly host: string; readonly port: number }>>>>;
  /** ZooKeeper path of the ON CLUSTER DDL queue (default /clickhouse/task_queue/ddl). */
  readonly ddlPath?: string;
}

export interface ServerState {
  readonly pid: number;
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly configPath: string;
  readonly binary: string;
  readonly startedAt: string;
}

export interface LocalServer extends ServerState {
  readonly dataDir: string;
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 10 000 ms). Idempotent. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

const STATE_FILE = 'server.json';
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------- binary

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The directories searched: PATH, extended with the sbin directories where
 * Debian installs clickhouse-server (not on an ordinary user's PATH). An empty
 * PATH searches nothing.
 */
function searchDirs(env: NodeJS.ProcessEnv): string[] {
  const path = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  return path.length === 0 ? [] : [...path, '/usr/sbin', '/usr/local/sbin'];
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of searchDirs(env)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return resolve(candidate);
  }
  return undefined;
}

function binaryFor(path: string): ClickHouseBinary {
  // `clickhouse-server` runs the server directly; the single `clickhouse` binary needs `server`.
  return { path, args: basename(path).startsWith('clickhouse-server') ? [] : ['server'] };
}

function noBinary(detail: string): DarkscopeError {
  return new DarkscopeError('NO_CLICKHOUSE_BINARY',
    `${detail}. Get one in any of three ways: ` +
    '(1) apt-get update && apt-get install -y clickhouse-server (Debian/Ubuntu); ' +
    '(2) download the official single `clickhouse` binary (curl https://clickhouse.com/ | sh) and set DARKSCOPE_CLICKHOUSE_BIN to its path; ' +
    '(3) run one with docker compose (docker compose up -d clickhouse) and pass its URL with --clickhouse-url or DARKSCOPE_CLICKHOUSE_URL (DARKSCOPE_TEST_CLICKHOUSE_URL for the tests)');
}

/**
 * Finds a server binary: the explicit `bin`, else `clickhouse` (run as
 * `clickhouse server`), else `clickhouse-server`, searched on PATH and in
 * /usr/sbin and /usr/local/sbin (not on PATH for ordinary users on Debian).
 */
export async function findClickHouseBinary(options: FindBinaryOptions = {}): Promise<ClickHouseBinary> {
  const env = options.env ?? process.env;
  if (options.bin !== undefined && options.bin !== '') {
    const path = resolve(options.bin);
    if (!(await isExecutable(path))) throw noBinary(`the ClickHouse binary ${path} does not exist or is not executable`);
    return binaryFor(path);
  }
  const found = (await onPath('clickhouse', env)) ?? (await onPath('clickhouse-server', env));
  if (found === undefined) throw noBinary('no ClickHouse server binary found (looked for clickhouse and clickhouse-server on PATH, /usr/sbin and /usr/local/sbin)');
  return binaryFor(found);
}

// ---------------------------------------------------------------- config

function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface ConfigInput {
  readonly dir: string;
  /** Sent back in X-ClickHouse-Server-Display-Name: proves the server on the port is this one. */
  readonly displayName: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly interserverPort: number;
  readonly timezone: string;
  readonly cluster?: ClusterNodeConfig;
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function xmlName(kind: string, name: string): string {
  if (!XML_NAME.test(name)) throw new DarkscopeError('BAD_CONFIG', `${kind} name "${name}" must match ${XML_NAME.source}`);
  return name;
}

/** The cluster part of a node's config (empty for a single server). */
export function renderClusterConfig(c: ClusterNodeConfig): string {
  const node = (h: { host: string; port: number }) => `<host>${xmlText(h.host)}</host><port>${h.port}</port>`;
  const zk = c.zookeeper.map((z) => `        <node>${node(z)}</node>`).join('\n');
  const macros = Object.entries(c.macros).map(([k, v]) => `        <${xmlName('macro', k)}>${xmlText(v)}</${k}>`).join('\n');
  const clusters = Object.entries(c.clusters).map(([name, shards]) => [
    `        <${xmlName('cluster', name)}>`,
    ...shards.map((replicas) => [
      '            <shard>',
      '                <internal_replication>true</internal_replication>',
      ...replicas.map((r) => `                <replica>${node(r)}</replica>`),
      '            </shard>',
    ].join('\n')),
    `        </${name}>`,
  ].join('\n')).join('\n');
  return `    <zookeeper>
${zk}
        <session_timeout_ms>30000</session_timeout_ms>
    </zookeeper>
    <macros>
${macros}
    </macros>
    <remote_servers>
${clusters}
    </remote_servers>
    <distributed_ddl>
        <path>${xmlText(c.ddlPath ?? '/clickhouse/task_queue/ddl')}</path>
    </distributed_ddl>
`;
}

/** The server config: every path inside `dir`, loopback only, small caches. */
export function renderServerConfig(c: ConfigInput): string {
  const p = (sub: string): string => xmlText(`${join(c.dir, sub)}/`);
  return `<?xml version="1.0"?>
<!-- Generated by darkscope (src/store/local-server.ts); rewritten on every start. -->
<clickhouse>
    <logger>
        <level>warning</level>
        <log>${xmlText(join(c.dir, 'log', 'server.log'))}</log>
        <errorlog>${xmlText(join(c.dir, 'log', 'server.err.log'))}</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <display_name>${xmlText(c.displayName)}</display_name>
    <listen_host>127.0.0.1</listen_host>
    <http_port>${c.httpPort}</http_port>
    <tcp_port>${c.tcpPort}</tcp_port>
    <interserver_http_port>${c.interserverPort}</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <path>${p('data')}</path>
    <tmp_path>${p('tmp')}</tmp_path>
    <user_files_path>${p('user_files')}</user_files_path>
    <format_schema_path>${p('format_schemas')}</format_schema_path>
    <!-- Newer releases otherwise put these under the system data directory; 18.16 ignores them. -->
    <user_scripts_path>${p('user_scripts')}</user_scripts_path>
    <user_defined_path>${p('user_defined')}</user_defined_path>
    <dictionaries_lib_path>${p('dictionaries_lib')}</dictionaries_lib_path>
    <top_level_domains_path>${p('top_level_domains')}</top_level_domains_path>
    <access_control_path>${p('access')}</access_control_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>${xmlText(c.timezone)}</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
    <keep_alive_timeout>3</keep_alive_timeout>
${c.cluster === undefined ? '' : renderClusterConfig(c.cluster)}</clickhouse>
`;
}

/** One user, `default`, no password, loopback only. */
export function renderUsersConfig(): string {
  return `<?xml version="1.0"?>
<!-- Generated by darkscope (src/store/local-server.ts). -->
<clickhouse>
    <profiles>
        <default></default>
        <readonly><readonly>1</readonly></readonly>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</clickhouse>
`;
}

// ---------------------------------------------------------------- helpers

/** A numbered stack frame of a ClickHouse exception ("12. /lib/.../libc.so.6(+0x1098ec) [0x...]"). */
const STACK_FRAME = /^\s*\d+\.\s/;

/** The last `lines` lines of `path` from byte `from` on, without blank lines and stack frames. */
async function tail(path: string, lines: number, from: number): Promise<string> {
  let text: string;
  try {
    text = (await readFile(path)).subarray(from).toString('utf8');
  } catch {
    return '';
  }
  return text.split('\n').filter((l) => l.trim() !== '' && !STACK_FRAME.test(l)).slice(-lines).join('\n');
}

const LOG_FILES = ['stderr.log', 'server.err.log'] as const;
/** Where each log file ended before a start: what comes after is that start's. */
export type LogOffsets = Partial<Record<(typeof LOG_FILES)[number], number>>;

/**
 * The last lines of the server's stderr and error log, for error messages.
 * The error log is appended to by every run: `from` gives its size before
 * this run, so a failed start is never explained by an earlier run's errors.
 */
export async function logTail(dataDir: string, lines = 15, from: LogOffsets = {}): Promise<string> {
  const parts: string[] = [];
  for (const f of LOG_FILES) {
    const t = await tail(join(dataDir, 'log', f), lines, from[f] ?? 0);
    if (t !== '') parts.push(`--- log/${f}\n${t}`);
  }
  return parts.length > 0 ? parts.join('\n') : '(the server wrote no log)';
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * GET /ping on a fresh connection that is closed afterwards: a pooled
 * keep-alive socket (as fetch() keeps) would make the server wait for it on
 * shutdown.
 */
function pingOk(url: string): Promise<boolean> {
  return new Promise((done) => {
    const req = httpGet(`${url}/ping`, { agent: false, headers: { connection: 'close' }, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => done(res.statusCode === 200 && body.trim() === 'Ok.'));
      res.on('error', () => done(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
  });
}

/** The display name of the server answering on `url` (from a `SELECT 1`), or undefined. */
function displayNameAt(url: string): Promise<string | undefined> {
  return new Promise((done) => {
    const req = httpGet(`${url}/?query=${encodeURIComponent('SELECT 1')}`, { agent: false, headers: { connection: 'close' }, timeout: 2000 }, (res) => {
      const name = res.headers['x-clickhouse-server-display-name'];
      res.resume();
      res.on('end', () => done(typeof name === 'string' ? name : undefined));
      res.on('error', () => done(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(undefined));
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}

/** True unless /proc shows that `pid` is now some other program (PID reuse). */
export async function isOurServer(pid: number, configPath: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(configPath);
  } catch (e) {
    // No /proc (macOS) → trust the state file; no such pid → not ours.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT' || !(await exists('/proc/self'));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- state

/** The server started in `dataDir`, if its state file exists; `running` says whether it still runs. */
export async function readServerState(dataDir: string): Promise<(ServerState & { running: boolean }) | null> {
  let state: ServerState;
  try {
    state = JSON.parse(await readFile(join(dataDir, STATE_FILE), 'utf8')) as ServerState;
  } catch {
    return null;
  }
  if (!Number.isInteger(state.pid) || typeof state.url !== 'string') return null;
  const running = isAlive(state.pid) && (await isOurServer(state.pid, state.configPath));
  return { ...state, running };
}

/** Stops the server recorded in `dataDir` (if any) and removes the state file. */
export async function stopLocalServer(dataDir: string, options: { timeoutMs?: number } = {}): Promise<{ stopped: boolean; pid?: number }> {
  const state = await readServerState(dataDir);
  if (state === null) return { stopped: false };
  if (state.running) await terminate(state.pid, options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
  await rm(join(dataDir, STATE_FILE), { force: true });
  return { stopped: state.running, pid: state.pid };
}

// ---------------------------------------------------------------- start

/**
 * Starts a server in `dataDir` and resolves once `/ping` answers `Ok.`.
 * Refuses if a server started in the same directory is still running.
 */
export async function startLocalServer(options: StartLocalServerOptions): Promise<LocalServer> {
  const dataDir = resolve(options.dataDir);
  const binary = await findClickHouseBinary(options);
  const previous = await readServerState(dataDir);
  if (previous?.running) {
    throw new DarkscopeError('BAD_CONFIG',
      `a ClickHouse server started by darkscope already runs in ${dataDir} (pid ${previous.pid}, ${previous.url}); stop it first (darkscope clickhouse stop)`);
  }
  const fixedPorts = options.httpPort !== undefined || options.tcpPort !== undefined || options.interserverPort !== undefined;
  const attempts = fixedPorts ? 1 : 3;
  let lastError: DarkscopeError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await startOnce(dataDir, binary, options);
    } catch (e) {
      // Another process may have taken a port between freePort() and the server's bind.
      if (e instanceof DarkscopeError && e.details.portInUse === true && attempt < attempts) {
        lastError = e;
        continue;
      }
      throw e;
    }
  }
  throw lastError ?? new DarkscopeError('INTERNAL', 'unreachable');
}

async function startOnce(dataDir: string, binary: ClickHouseBinary, options: StartLocalServerOptions): Promise<LocalServer> {
  const httpPort = options.httpPort ?? await freePort();
  const tcpPort = options.tcpPort ?? await freePort();
  const interserverPort = options.interserverPort ?? await freePort();
  const timezone = options.timezone ?? 'UTC';
  for (const [name, port] of [['httpPort', httpPort], ['tcpPort', tcpPort], ['interserverPort', interserverPort]] as const) {
    if (!(await portIsFree(port))) {
      throw new DarkscopeError('BAD_CONFIG', `port ${port} (${name}) on 127.0.0.1 is already in use; choose another or stop what uses it`, { portInUse: true });
    }
  }
  const displayName = `darkscope-${randomBytes(6).toString('hex')}`;
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) {
    await mkdir(join(dataDir, sub), { recursive: true });
  }
  const configPath = join(dataDir, 'config.xml');
  await writeFile(configPath, renderServerConfig({ dir: dataDir, displayName, httpPort, tcpPort, interserverPort, timezone, cluster: options.cluster }));
  await writeFile(join(dataDir, 'users.xml'), renderUsersConfig());
  // Truncate the previous run's stderr and note where the error log ends, so the tail in an error message is this run's.
  const logFrom: LogOffsets = { 'server.err.log': await sizeOf(join(dataDir, 'log', 'server.err.log')) };
  const out = openSync(join(dataDir, 'log', 'stdout.log'), 'w');
  const err = openSync(join(dataDir, 'log', 'stderr.log'), 'w');
  let child: ChildProcess;
  try {
    child = spawn(binary.path, [...binary.args, `--config-file=${configPath}`], {
      cwd: dataDir,
      env: options.env ?? process.env,
      stdio: ['ignore', out, err],
      detached: options.detached ?? false,
    });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const spawnError = new Promise<Error>((res) => child.once('error', res));
  let exited = false;
  child.once('exit', () => { exited = true; });
  const pid = child.pid;
  const url = `http://127.0.0.1:${httpPort}`;
  if (pid === undefined) {
    const e = await spawnError;
    throw new DarkscopeError('NO_CLICKHOUSE_BINARY', `cannot run ${binary.path}: ${e.message}`);
  }

  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (!exited && await pingOk(url)) {
      // Only trust the answer if it comes from this server, not another one on the same port.
      if ((await displayNameAt(url)) === displayName) break;
    }
    if (exited || Date.now() > deadline) {
      if (!exited) await terminate(pid, 2_000, child);
      const log = await logTail(dataDir, 15, logFrom);
      const portInUse = /Address already in use|DB::NetException: .*bind/i.test(log);
      throw new DarkscopeError('CLICKHOUSE_UNREACHABLE',
        exited
          ? `the ClickHouse server (${binary.path}) exited during startup (code ${child.exitCode ?? child.signalCode}); its log:\n${log}`
          : `the ClickHouse server (${binary.path}) did not answer ${url}/ping within ${readyTimeoutMs} ms; its log:\n${log}`,
        { dataDir, portInUse });
    }
    await sleep(100);
  }

  const state: ServerState = {
    pid, url, httpPort, tcpPort, configPath, binary: binary.path, startedAt: new Date().toISOString(),
  };
  await writeFile(join(dataDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  if (options.detached === true) child.unref();

  let stopping: Promise<void> | undefined;
  return Object.freeze({
    ...state,
    dataDir,
    stop(stopOptions: { timeoutMs?: number } = {}): Promise<void> {
      stopping ??= (async () => {
        if (!exited) await terminate(pid, stopOptions.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, child);
        await rm(join(dataDir, STATE_FILE), { force: true });
      })();
      return stopping;
    },
  });
}
