/**
 * Renders darkscope's single-node schema statements for a cluster (see
 * layout.ts). Input: one migration statement as the single-node runner would
 * execute it (placeholders expanded, names backquoted); output: the
 * statements to run instead, each `ON CLUSTER`, in order.
 *
 *   CREATE DATABASE                → ... ON CLUSTER c
 *   CREATE TABLE <sharded>         → <name>_local (Replicated<Engine>, path per shard)
 *                                    + <name> (Distributed over <name>_local)
 *   CREATE TABLE <everywhere>      → <name> (Replicated<Engine>, one replica set over all nodes)
 *   CREATE MATERIALIZED VIEW v TO t AS SELECT ... FROM packets
 *                                  → v ON CLUSTER TO t_local AS SELECT ... FROM packets_local
 *                                    (each node's view feeds its own shard's rollup)
 *   DROP TABLE IF EXISTS v         → ... ON CLUSTER c (a view: every node has its own);
 *                                    a sharded table: its Distributed table, then <name>_local
 *   INSERT INTO t (...) SELECT ... → unchanged, run once (with insert_distributed_sync = 1,
 *                                    see migrate.ts): it reads every shard through
 *                                    the Distributed tables and writes through t's
 *                                    Distributed table, which needs a sharding key
 *
 * Anything else is refused: a new kind of statement needs a rule here (and a
 * test on a real cluster) before cluster mode can run it. Every rule was
 * checked on ClickHouse 18.16 (tests/cluster) and is standard syntax on
 * current releases.
 */
import { DarkscopeError } from '../../errors.js';
import { sqlIdent } from '../sql.js';
import { isSharded, layoutOf, localName, replicaName, TABLE_LAYOUTS, zookeeperPath } from './layout.js';

// A name as migrations write it once expanded: `db` is backquoted, table names may or may not be.
const NAME = '`?([A-Za-z0-9_]+)`?';
const CREATE_DATABASE = /^CREATE DATABASE IF NOT EXISTS `[A-Za-z0-9_]+`$/;
const CREATE_TABLE = new RegExp(`^CREATE TABLE IF NOT EXISTS ${NAME}\\.${NAME}(\\s*\\n\\([\\s\\S]*\\)\\s*\\n)ENGINE = ([A-Za-z]*MergeTree)\\(([^)]*)\\)([\\s\\S]*)$`);
const CREATE_VIEW = new RegExp(`^CREATE MATERIALIZED VIEW IF NOT EXISTS ${NAME}\\.${NAME} (TO [\\s\\S]*)$`);
const DROP_TABLE = new RegExp(`^DROP TABLE IF EXISTS ${NAME}\\.${NAME}$`);
const INSERT_SELECT = new RegExp(`^INSERT INTO ${NAME}\\.${NAME} \\(([^)]*)\\)\\s*\\n(SELECT [\\s\\S]*)$`);

function sqlText(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function refuse(statement: string, why: string): DarkscopeError {
  const head = statement.split('\n')[0]?.slice(0, 120) ?? '';
  return new DarkscopeError('INTERNAL', `cluster mode cannot render "${head}": ${why}; add a rule to src/store/cluster/render.ts`);
}

/** `` `db`.t `` or `` `db`.`t` `` → `` `db`.`t_local` `` for every sharded table named in `text`. */
function toLocalNames(text: string, database: string): string {
  const db = sqlIdent(database).text;
  return text.replace(new RegExp(`${db}\\.${NAME}`, 'g'),
    (whole, name: string) => (isSharded(name) ? `${db}.${sqlIdent(localName(name)).text}` : whole));
}

/**
 * The cluster statements for one expanded single-node statement. `database`
 * is the darkscope database, `cluster` the remote_servers name.
 */
export function renderForCluster(statement: string, database: string, cluster: string): string[] {
  const on = `ON CLUSTER ${sqlIdent(cluster).text}`;
  const db = sqlIdent(database).text;

  const cdb = CREATE_DATABASE.exec(statement);
  if (cdb) return [`${statement} ${on}`];

  const ct = CREATE_TABLE.exec(statement);
  if (ct) {
    const [, dbName, table, columns, engine, args, rest] = ct as unknown as [string, string, string, string, string, string, string];
    if (dbName !== database) throw refuse(statement, `it names database ${dbName}, not ${database}`);
    const layout = layoutOf(table);
    const engineArgs = [sqlText(zookeeperPath(database, table)), sqlText(replicaName(table)), ...(args.trim() === '' ? [] : [args.trim()])];
    const replicated = `ENGINE = Replicated${engine}(${engineArgs.join(', ')})`;
    if (layout.kind === 'everywhere') {
      return [`CREATE TABLE IF NOT EXISTS ${db}.${sqlIdent(table).text} ${on}${columns}${replicated}${rest}`];
    }
    const local = sqlIdent(localName(table)).text;
    const key = layout.shardingKey === null ? '' : `, ${layout.shardingKey}`;
    return [
      `CREATE TABLE IF NOT EXISTS ${db}.${local} ${on}${columns}${replicated}${rest}`,
      `CREATE TABLE IF NOT EXISTS ${db}.${sqlIdent(table).text} ${on} AS ${db}.${local}\nENGINE = Distributed(${sqlIdent(cluster).text}, ${db}, ${local}${key})`,
    ];
  }

  const cv = CREATE_VIEW.exec(statement);
  if (cv) {
    const [, dbName, view, body] = cv as unknown as [string, string, string, string];
    if (dbName !== database) throw refuse(statement, `it names database ${dbName}, not ${database}`);
    return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${sqlIdent(view).text} ${on} ${toLocalNames(body, database)}`];
  }

  const drop = DROP_TABLE.exec(statement);
  if (drop) {
    const [, dbName, name] = drop as unknown as [string, string, string];
    if (dbName !== database) throw refuse(statement, `it names database ${dbName}, not ${database}`);
    const dropped = `DROP TABLE IF EXISTS ${db}.${sqlIdent(name).text} ${on}`;
    const layout = TABLE_LAYOUTS[name];
    return layout?.kind === 'sharded' ? [dropped, `DROP TABLE IF EXISTS ${db}.${sqlIdent(localName(name)).text} ${on}`] : [dropped];
  }

  const ins = INSERT_SELECT.exec(statement);
  if (ins) {
    const [, dbName, table, columns, select] = ins as unknown as [string, string, string, string, string];
    if (dbName !== database) throw refuse(statement, `it names database ${dbName}, not ${database}`);
    const layout = layoutOf(table);
    if (layout.kind !== 'sharded' || layout.shardingKey === null) {
      throw refuse(statement, `${table} is not a sharded table with a sharding key, so a Distributed insert cannot place its rows`);
    }
    return [`INSERT INTO ${db}.${sqlIdent(table).text} (${columns})\n${select}`];
  }

  throw refuse(statement, 'no rule for this kind of statement');
}

const CREATED = new RegExp(`^CREATE (?:TABLE|MATERIALIZED VIEW) IF NOT EXISTS ${NAME}\\.${NAME}`);
const DROPPED = new RegExp(`^DROP TABLE IF EXISTS ${NAME}\\.${NAME}`);

/** Names of the tables and views that rendered statements leave behind: created, and not dropped by a later statement (in order). */
export function createdNames(statements: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of statements) {
    const m = CREATED.exec(s);
    if (m?.[2] !== undefined && !out.includes(m[2])) out.push(m[2]);
    const d = DROPPED.exec(s);
    if (d?.[2] !== undefined && out.includes(d[2])) out.splice(out.indexOf(d[2]), 1);
  }
  return out;
}
