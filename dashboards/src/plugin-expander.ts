/**
 * Expands a panel's rawSql the way Grafana and grafana-clickhouse-datasource
 * do before the SQL reaches ClickHouse, so tests can run the dashboards'
 * queries for real (there is no Grafana binary here). Three steps, in the
 * plugin's order:
 *
 * 1. `$__conditionalAll(condition, $var)` (plugin frontend): `1=1` when the
 *    variable is set to All or empty, the condition otherwise.
 * 2. Template variables (Grafana's templateSrv.replace with the plugin's
 *    default formatter): `$var`, `${var}`, `${var:format}`, `[[var]]`. Without a
 *    format, a multi-value becomes `'a','b'` and a single value is inserted
 *    raw. All expands to every option value unless the variable has an
 *    allValue. Unknown names (e.g. the plugin's own `$__fromTime`) are left alone.
 * 3. The plugin's backend macros (pkg/macros): `$__timeFilter(col)` →
 *    `col >= toDateTime(from) AND col <= toDateTime(to)`, `$__fromTime` /
 *    `$__toTime` → `toDateTime(n)`, `$__interval_s` → the interval in whole
 *    seconds (at least 1), `$__dateFilter(col)` → `col >= toDate('YYYY-MM-DD') AND ...`,
 *    `$__dateTimeFilter(d, t)`, the `_ms` variants, and `$__timeInterval(col)`
 *    → `toStartOfInterval(...)` (which ClickHouse 18.16 lacks: darkscope's
 *    dashboards must not use it; a unit test checks they don't).
 */

export const ALL = '$__all';

export interface VariableState {
  /** The selection: one value, several values, or ['$__all'] for All. */
  readonly value: string | readonly string[];
  /** Every option value, in order (what All stands for). */
  readonly options?: readonly string[];
  /** A custom "all" value (Grafana inserts it instead of the options). */
  readonly allValue?: string;
}

export interface ExpandContext {
  /** Dashboard time range, epoch seconds (Grafana sends milliseconds; the macros use whole seconds). */
  readonly from: number;
  readonly to: number;
  /** The panel's interval ($__interval) in seconds. */
  readonly intervalSeconds: number;
  readonly variables: Readonly<Record<string, VariableState>>;
}

function isAll(v: VariableState): boolean {
  const values = typeof v.value === 'string' ? [v.value] : v.value;
  return values.includes(ALL);
}

/** Arguments of a macro call whose '(' is at `open`; nested parentheses are kept. Returns null when unbalanced. */
function macroArgs(sql: string, open: number): { args: string[]; end: number } | null {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(start, i));
        return { args, end: i + 1 };
      }
    } else if (ch === ',' && depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  return null;
}

const CONDITIONAL_ALL = '$__conditionalAll(';

/** Step 1: the plugin's applyConditionalAll (last occurrence first, as the plugin scans). */
export function applyConditionalAll(sql: string, variables: Readonly<Record<string, VariableState>>): string {
  let out = sql;
  let at = out.lastIndexOf(CONDITIONAL_ALL);
  while (at !== -1) {
    const parsed = macroArgs(out, at + CONDITIONAL_ALL.length - 1);
    if (parsed === null || parsed.args.length !== 2) throw new Error(`$__conditionalAll needs (condition, $variable): ${out.slice(at, at + 80)}`);
    const [condition, variableArg] = parsed.args;
    const name = /(?<=\$\{)\w+(?=\})|(?<=\$)\w+/.exec(variableArg.trim())?.[0];
    const state = name === undefined ? undefined : variables[name];
    const value = state === undefined ? undefined : (typeof state.value === 'string' ? state.value : state.value.join(','));
    const phrase = value === '' || value === ALL ? '1=1' : condition;
    out = out.slice(0, at) + phrase + out.slice(parsed.end);
    at = out.lastIndexOf(CONDITIONAL_ALL);
  }
  return out;
}

/** Grafana's formatters for `${var:format}` (the ones SQL and links use). */
export function formatValue(value: string | readonly string[], format: string | undefined, name: string): string {
  const list = typeof value === 'string' ? [value] : [...value];
  switch (format) {
    case undefined: // the ClickHouse plugin's default formatter
      return typeof value === 'string' ? value : `'${list.join("','")}'`;
    case 'singlequote':
      return list.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'sqlstring':
      return list.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'doublequote':
      return list.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'csv':
    case 'raw':
      return list.join(',');
    case 'pipe':
      return list.join('|');
    case 'queryparam':
      return list.map((v) => `var-${name}=${encodeURIComponent(v)}`).join('&');
    default:
      throw new Error(`variable format "${format}" is not supported by this expander`);
  }
}

/** Grafana's variable syntax (templateSrv's regex). */
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Step 2: template variables. */
export function interpolateVariables(sql: string, variables: Readonly<Record<string, VariableState>>): string {
  return sql.replace(VARIABLE_RE, (match, plain?: string, bracket?: string, bracketFormat?: string, braced?: string, _fieldPath?: string, bracedFormat?: string) => {
    const name = plain ?? bracket ?? braced ?? '';
    const state = variables[name];
    if (state === undefined) return match;
    let value: string | readonly string[] = state.value;
    if (isAll(state)) {
      if (state.allValue !== undefined && state.allValue !== '') return state.allValue;
      value = [...(state.options ?? [])];
    }
    return formatValue(value, bracketFormat ?? bracedFormat, name);
  });
}

const toDateTime = (s: number): string => `toDateTime(${Math.floor(s)})`;
const toDateTime64 = (s: number): string => `fromUnixTimestamp64Milli(${Math.floor(s * 1000)})`;
const toDate = (s: number): string => `toDate('${new Date(Math.floor(s) * 1000).toISOString().slice(0, 10)}')`;

type Macro = (args: string[], ctx: ExpandContext) => string;

function arity(name: string, args: string[], n: number): void {
  if (args.length !== n) throw new Error(`$__${name} expects ${n} argument(s), got ${args.length}`);
}

/** The plugin's backend macros (pkg/macros/macros.go), by name. */
const BASE_MACROS: Readonly<Record<string, Macro>> = {
  fromTime: (_a, c) => toDateTime(c.from),
  toTime: (_a, c) => toDateTime(c.to),
  fromTime_ms: (_a, c) => toDateTime64(c.from),
  toTime_ms: (_a, c) => toDateTime64(c.to),
  timeFilter: (a, c) => { arity('timeFilter', a, 1); return `${a[0]} >= ${toDateTime(c.from)} AND ${a[0]} <= ${toDateTime(c.to)}`; },
  timeFilter_ms: (a, c) => { arity('timeFilter_ms', a, 1); return `${a[0]} >= ${toDateTime64(c.from)} AND ${a[0]} <= ${toDateTime64(c.to)}`; },
  dateFilter: (a, c) => { arity('dateFilter', a, 1); return `${a[0]} >= ${toDate(c.from)} AND ${a[0]} <= ${toDate(c.to)}`; },
  dateTimeFilter: (a, c) => {
    arity('dateTimeFilter', a, 2);
    return `(${a[0]} >= ${toDate(c.from)} AND ${a[0]} <= ${toDate(c.to)}) AND (${a[1]} >= ${toDateTime(c.from)} AND ${a[1]} <= ${toDateTime(c.to)})`;
  },
  timeInterval: (a, c) => { arity('timeInterval', a, 1); return `toStartOfInterval(toDateTime(${a[0]}), INTERVAL ${Math.max(Math.floor(c.intervalSeconds), 1)} second)`; },
  timeInterval_ms: (a, c) => {
    arity('timeInterval_ms', a, 1);
    return `toStartOfInterval(toDateTime64(${a[0]}, 3), INTERVAL ${Math.max(Math.floor(c.intervalSeconds * 1000), 1)} millisecond)`;
  },
  interval_s: (_a, c) => String(Math.max(Math.floor(c.intervalSeconds), 1)),
};
const MACROS: Readonly<Record<string, Macro>> = { ...BASE_MACROS, dt: BASE_MACROS.dateTimeFilter };

/** Step 3: backend macros. An unknown `$__name` is an error (the plugin would send it to ClickHouse as is). */
export function expandMacros(sql: string, ctx: ExpandContext): string {
  let out = '';
  let i = 0;
  const re = /\$__(\w+)/g;
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    const name = m[1];
    const macro = MACROS[name];
    if (macro === undefined) throw new Error(`unknown macro $__${name}`);
    out += sql.slice(i, m.index);
    let end = m.index + m[0].length;
    let args: string[] = [];
    if (sql[end] === '(') {
      const parsed = macroArgs(sql, end);
      if (parsed === null) throw new Error(`unbalanced parentheses after $__${name}`);
      args = parsed.args.map((a) => a.trim());
      end = parsed.end;
    }
    out += macro(args, ctx);
    i = end;
    re.lastIndex = end;
  }
  return out + sql.slice(i);
}

/** All three steps: the SQL ClickHouse receives. */
export function expandQuery(sql: string, ctx: ExpandContext): string {
  return expandMacros(interpolateVariables(applyConditionalAll(sql, ctx.variables), ctx.variables), ctx);
}
