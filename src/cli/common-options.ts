/** Options shared by commands, defined once so every --help says the same thing. */
import { Command, Option } from 'commander';
import type { ConfigOverrides } from '../config.js';

export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--clickhouse-url <url>', "your ClickHouse server's HTTP URL (env DARKSCOPE_CLICKHOUSE_URL; default: darkscope's embedded ClickHouse in DARKSCOPE_HOME/engine)")
    .option('--database <name>', 'darkscope database (env DARKSCOPE_DATABASE; default darkscope)')
    .option('--user <name>', 'ClickHouse user (env DARKSCOPE_CLICKHOUSE_USER; default "default")')
    .option('--password <password>', 'ClickHouse password (env DARKSCOPE_CLICKHOUSE_PASSWORD; prefer the variable: flags show up in ps)')
    .option('--cluster <name>', 'cluster mode: the ClickHouse cluster (<remote_servers> name) the database is laid out on (env DARKSCOPE_CLUSTER; default: a single server)')
    .option('--cluster-nodes <url>', "cluster mode: a node's HTTP URL, for retention and rollup rebuild (run on one replica per shard); repeatable (env DARKSCOPE_CLUSTER_NODES, comma-separated; default: each node's host with --clickhouse-url's port)", collect)
    .addOption(new Option('--log-level <level>', 'log level on stderr (env DARKSCOPE_LOG_LEVEL)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));
}

/** Collects a repeatable option; each value may itself be comma-separated. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

export function addEnrichOptions(cmd: Command): Command {
  return cmd
    .option('--labels <file>', 'CIDR label file ("CIDR,label" per line, e.g. "162.142.125.0/24,research"); repeatable (env DARKSCOPE_LABELS, comma-separated)', collect)
    .option('--no-enrich', 'skip country/ASN lookups (env DARKSCOPE_ENRICH=0)')
    .option('--geoip <mmdb>', 'MaxMind country .mmdb instead of the bundled database (env DARKSCOPE_GEOIP)')
    .option('--asn-db <mmdb>', 'MaxMind ASN .mmdb instead of the bundled database (env DARKSCOPE_ASN_DB)');
}

/** Commander's parsed options → config overrides (undefined where not given). */
export function overridesFrom(o: Record<string, unknown>): ConfigOverrides {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const arr = (k: string) => (Array.isArray(o[k]) ? (o[k] as string[]) : undefined);
  return {
    clickhouseUrl: str('clickhouseUrl'),
    database: str('database'),
    user: str('user'),
    password: str('password'),
    cluster: str('cluster'),
    clusterNodes: arr('clusterNodes'),
    sensor: str('sensor'),
    labels: arr('labels'),
    darknet: arr('darknet'),
    geoip: str('geoip'),
    asnDb: str('asnDb'),
    enrich: o.enrich === false ? false : undefined,
    batchRows: str('batchRows'),
    batchAgeMs: str('batchAgeMs'),
    maxInFlight: str('maxInFlight'),
    quietMs: str('quietMs'),
    pollMs: str('pollMs'),
    after: str('after'),
    metricsPort: str('metricsPort'),
    metricsHost: str('metricsHost'),
    rawDays: str('rawDays'),
    minuteDays: str('minuteDays'),
    logLevel: str('logLevel'),
  };
}
