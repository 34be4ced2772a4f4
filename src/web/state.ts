/**
 * What the web view shows, kept in the URL's fragment so that a link
 * reproduces the view:
 *
 *   #/                          overview
 *   #/ports/tcp/23              a port
 *   #/sources/192.0.2.7         a source
 *   #/trends                    spikes, new ports (and alerts)
 *
 * followed by `?from=-7d&to=now&sensor=tokyo-1&class=scan&exclude=research&refresh=60&baseline=28`
 * (only the values that differ from the defaults). Pure: no DOM, so the unit
 * tests run it in Node. Anything malformed falls back to the default instead
 * of reaching the API.
 */

export type TrafficClass = 'scan' | 'backscatter' | 'other';
export const TRAFFIC_CLASSES: readonly TrafficClass[] = ['scan', 'backscatter', 'other'];

/** Auto-refresh periods offered, in seconds (0 = off). */
export const REFRESH_CHOICES: readonly number[] = [0, 30, 60, 300];

/** The label that "exclude research" leaves out (the one darkscope's reports name). */
export const RESEARCH_LABEL = 'research';

export type View =
  | { readonly page: 'overview' }
  | { readonly page: 'port'; readonly proto: string; readonly port: number }
  | { readonly page: 'source'; readonly ip: string }
  | { readonly page: 'trends' };

export interface Filters {
  /** As the API takes them: ISO 8601 or relative (-24h, -7d, now). */
  readonly from: string;
  readonly to: string;
  /** '' = every sensor. */
  readonly sensor: string;
  /** '' = every class. */
  readonly trafficClass: TrafficClass | '';
  readonly excludeResearch: boolean;
  /** Auto-refresh period in seconds, one of REFRESH_CHOICES. */
  readonly refresh: number;
  /** Trends: days of baseline before the recent window. */
  readonly baselineDays: number;
}

export interface ViewState {
  readonly view: View;
  readonly filters: Filters;
}

export const DEFAULT_FILTERS: Filters = Object.freeze({
  from: '-24h',
  to: 'now',
  sensor: '',
  trafficClass: '',
  excludeResearch: false,
  refresh: 0,
  baselineDays: 28,
});

const TIME_TEXT = /^[0-9A-Za-z:.+\- ]{1,40}$/;
const SENSOR_MAX = 256;
const PROTO = /^[a-z0-9]{1,6}$/;
const IP_TEXT = /^[0-9A-Fa-f.:]{2,45}$/;

function intIn(text: string | null, min: number, max: number): number | null {
  if (text === null || !/^\d{1,6}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

function parseView(path: string): View {
  const parts = path.split('/').filter((p) => p !== '').map((p) => safeDecode(p));
  if (parts[0] === 'ports' && parts.length === 3) {
    const proto = parts[1].toLowerCase();
    const port = intIn(parts[2], 0, 65_535);
    if (PROTO.test(proto) && port !== null) return { page: 'port', proto, port };
  }
  if (parts[0] === 'sources' && parts.length === 2 && IP_TEXT.test(parts[1])) return { page: 'source', ip: parts[1] };
  if (parts[0] === 'trends' && parts.length === 1) return { page: 'trends' };
  return { page: 'overview' };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

/** The state a fragment (`location.hash`, with or without its `#`) describes. */
export function parseHash(hash: string): ViewState {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = text.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : text.slice(q + 1));
  const d = DEFAULT_FILTERS;
  const time = (name: string, def: string): string => {
    const v = params.get(name)?.trim();
    return v !== undefined && TIME_TEXT.test(v) ? v : def;
  };
  const cls = params.get('class');
  const refresh = intIn(params.get('refresh'), 0, 86_400);
  const filters: Filters = {
    from: time('from', d.from),
    to: time('to', d.to),
    sensor: (params.get('sensor') ?? '').slice(0, SENSOR_MAX),
    trafficClass: TRAFFIC_CLASSES.find((c) => c === cls) ?? '',
    excludeResearch: params.getAll('exclude').includes(RESEARCH_LABEL),
    refresh: refresh !== null && REFRESH_CHOICES.includes(refresh) ? refresh : d.refresh,
    baselineDays: intIn(params.get('baseline'), 2, 365) ?? d.baselineDays,
  };
  return { view: parseView(q < 0 ? text : text.slice(0, q)), filters };
}

export function viewPath(view: View): string {
  switch (view.page) {
    case 'overview': return '/';
    case 'port': return `/ports/${encodeURIComponent(view.proto)}/${view.port}`;
    case 'source': return `/sources/${encodeURIComponent(view.ip)}`;
    case 'trends': return '/trends';
  }
}

/** The fragment for a state, `#` included; parseHash(toHash(s)) gives s back. */
export function toHash(state: ViewState): string {
  const f = state.filters;
  const d = DEFAULT_FILTERS;
  const p = new URLSearchParams();
  if (f.from !== d.from) p.set('from', f.from);
  if (f.to !== d.to) p.set('to', f.to);
  if (f.sensor !== '') p.set('sensor', f.sensor);
  if (f.trafficClass !== '') p.set('class', f.trafficClass);
  if (f.excludeResearch) p.set('exclude', RESEARCH_LABEL);
  if (f.refresh !== d.refresh) p.set('refresh', String(f.refresh));
  if (f.baselineDays !== d.baselineDays) p.set('baseline', String(f.baselineDays));
  const qs = p.toString();
  return `#${viewPath(state.view)}${qs === '' ? '' : `?${qs}`}`;
}

/** The API's query parameters for the range and filters (summary, ports, sources). */
export function rangeParams(f: Filters): URLSearchParams {
  const p = new URLSearchParams({ from: f.from, to: f.to });
  addFilterParams(p, f);
  return p;
}

/** Filters without the range (the trends route takes its windows instead). */
export function addFilterParams(p: URLSearchParams, f: Filters): URLSearchParams {
  if (f.sensor !== '') p.set('sensor', f.sensor);
  if (f.trafficClass !== '') p.set('class', f.trafficClass);
  if (f.excludeResearch) p.append('excludeLabel', RESEARCH_LABEL);
  return p;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };
const RELATIVE = /^(?:now)?\s*-\s*(\d{1,7})\s*([smhdw])$/i;

/**
 * A time as the API reads it, in epoch seconds, or null when the browser
 * cannot tell (the API then answers with the precise complaint). Absolute
 * times without a zone are UTC, as on the server.
 */
export function timeSeconds(text: string, nowSec: number): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'now') return nowSec;
  const rel = RELATIVE.exec(t);
  if (rel) return nowSec - Number(rel[1]) * UNIT_SECONDS[rel[2]];
  if (!/^\d{4}-\d{2}-\d{2}([t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?)?$/.test(t)) return null;
  const iso = t.replace(' ', 't');
  const zoned = /(z|[+-]\d{2}:?\d{2})$/.test(iso) || iso.length === 10 ? iso : `${iso}z`;
  const ms = Date.parse(iso.length === 10 ? `${iso}t00:00:00z` : zoned.toUpperCase());
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/**
 * The trends route's parameters for a range: the recent window is the
 * range's length in whole days (1..30, rounded up) ending at its end, the
 * baseline the `baselineDays` before it.
 */
export function trendParams(f: Filters, nowSec: number): URLSearchParams {
  const from = timeSeconds(f.from, nowSec);
  const to = timeSeconds(f.to, nowSec);
  const days = from !== null && to !== null && to > from ? Math.min(30, Math.max(1, Math.ceil((to - from) / 86_400))) : 1;
  const p = new URLSearchParams({ to: f.to, recentDays: String(days), baselineDays: String(f.baselineDays) });
  return addFilterParams(p, f);
}
