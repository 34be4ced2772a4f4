/// <reference lib="dom" />
// (DOM types: the functions handed to page.evaluate and $$eval run in the browser.)
/**
 * The web view in a real browser (Debian's Chromium via playwright-core)
 * against `darkscope serve` on the demo week: every page shows the API's
 * numbers, charts draw, links and filters work and land in the URL, a 401
 * asks for a token, user-supplied text stays text, and the console stays
 * clean. Saves screenshots of the overview, a port page and the trends in
 * DARKSCOPE_SCREENSHOTS (default: a folder in the system's temp directory);
 * `DARKSCOPE_SCREENSHOTS=docs/img` refreshes the ones the README shows.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PACKETS } from '../../src/demo/scenario.js';
import { parseIPv4 } from '../../src/net/ip-parse.js';
import type { PortSeries, SourceProfile, Summary, TopSources, Trends } from '../../src/web/api-types.js';
import { toCsv } from '../../src/web/csv.js';
import { formatCount, formatShare } from '../../src/web/format.js';
import { DEFAULT_FILTERS, parseHash, rangeParams, toHash, trendParams, type Filters, type View } from '../../src/web/state.js';
import { insertRows, type RawRow } from '../integration/helpers/packets.js';
import { launchChromium, openPage, settled, type WatchedPage } from './helpers/browser.js';
import { ingestDemo, serveDemo, type DemoData, type Served } from './helpers/demo-server.js';

const SHOTS = resolve(process.env.DARKSCOPE_SCREENSHOTS ?? join(tmpdir(), 'darkscope-web-screenshots'));
const TOKEN = 'web-view-test-token-0123456789';
/** Text that would run if the page ever parsed data as HTML. */
const HOSTILE_LABEL = '<img src=x onerror="document.body.dataset.pwned=1">';
const HOSTILE_SENSOR = '<b>lab</b>&"';
const HOSTILE_IP = '198.51.100.77';

let demo: DemoData;
let served: Served;
let browser: Browser;
let filters: Filters;
const renderTimes: string[] = [];

const iso = (sec: number) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
const hashFor = (view: View, f: Filters = filters) => toHash({ view, filters: f });

async function api<T>(path: string, params: URLSearchParams, base = served.url, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(`${base}/api/v1/${path}?${params}`, { headers });
  expect(r.status, `${path}?${params}`).toBe(200);
  return (await r.json()) as T;
}

/** Rows of a table the page shows: each cell's data-value where it has one, by data-col. */
function tableValues(page: Page, name: string, col: string): Promise<string[]> {
  return page.$$eval(`table[data-table="${name}"] td[data-col="${col}"]`, (tds) => tds.map((td) => (td as HTMLElement).dataset.value ?? ''));
}

function metric(page: Page, key: string): Promise<{ value: string; text: string }> {
  return page.$eval(`[data-metric="${key}"]`, (el) => ({ value: (el as HTMLElement).dataset.value ?? '', text: el.querySelector('.figure-value')?.textContent ?? el.textContent ?? '' }));
}

/** Every chart's canvases, with their drawn size. */
function canvases(page: Page, selector: string): Promise<Array<{ w: number; h: number }>> {
  return page.$$eval(`${selector} canvas`, (cs) => cs.map((c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height })));
}

/**
 * Runs `fn` in a fresh page, then fails on any console error or page error,
 * except the browser's notes of refused requests when `allowed` names them
 * ("status of 401").
 */
async function inPage(fn: (w: WatchedPage) => Promise<void>, allowed?: string): Promise<void> {
  const w = await openPage(browser);
  try {
    await fn(w);
    expect(w.errors.filter((e) => allowed === undefined || !e.includes(allowed))).toEqual([]);
  } finally {
    await w.close();
  }
}

async function visit(w: WatchedPage, hash: string): Promise<'ready' | 'error'> {
  await w.page.goto(`${served.url}/${hash}`);
  return settled(w.page);
}

async function expectFiguresMatch(page: Page, report: Summary): Promise<void> {
  expect(await metric(page, 'packets')).toEqual({ value: String(report.totals.packets), text: formatCount(report.totals.packets) });
  expect(await metric(page, 'sources')).toEqual({ value: String(report.totals.sources), text: formatCount(report.totals.sources) });
  expect((await metric(page, 'destinations')).value).toBe(String(report.totals.destinations));
  expect((await metric(page, 'researchShare'))).toEqual({ value: String(report.research.share), text: formatShare(report.research.share) });
  expect(await tableValues(page, 'top-ports', 'port')).toEqual(report.topPorts.ports.map((p) => p.label));
  expect(await tableValues(page, 'top-ports', 'packets')).toEqual(report.topPorts.ports.map((p) => String(p.packets)));
  expect(await tableValues(page, 'top-ports', 'sources')).toEqual(report.topPorts.ports.map((p) => String(p.sources)));
  expect(await tableValues(page, 'top-ports', 'share')).toEqual(report.topPorts.ports.map((p) => String(p.share)));
  expect(await tableValues(page, 'top-countries', 'country')).toEqual(report.topCountries.map((c) => c.country));
  expect(await tableValues(page, 'top-countries', 'packets')).toEqual(report.topCountries.map((c) => String(c.packets)));
}

beforeAll(async () => {
  demo = await ingestDemo();
  // A few packets whose label and sensor are hostile HTML: the page must show them as text.
  const rows: RawRow[] = Array.from({ length: 5 }, (_, i) => ({
    sensor: HOSTILE_SENSOR, ts: demo.end - 7200 + i * 60, ts_us: 0, ip_version: 4, src: parseIPv4(HOSTILE_IP)!, dst: parseIPv4('198.18.0.9')! + i,
    src6: new Uint8Array(16), dst6: new Uint8Array(16), proto: 6, sport: 40_000, dport: 8081, tcp_flags: 2, class: 'scan', tool: 'none',
    label: HOSTILE_LABEL, country: '', asn: 0, ttl: 50, ip_id: 1, tcp_seq: 1, tcp_window: 1024, tcp_options: 0, ip_len: 40,
    icmp_type: 0, icmp_code: 0, fragment: 0, tool_rules: 1, batch_key: 7n, record_index: BigInt(i),
  }));
  await insertRows(demo.store, rows);
  served = await serveDemo(demo);
  browser = await launchChromium();
  await mkdir(SHOTS, { recursive: true });
  filters = { ...DEFAULT_FILTERS, from: iso(demo.start), to: iso(demo.end), sensor: 'demo' };
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await demo?.dispose();
  if (renderTimes.length > 0) console.log(`overview after navigation start, cold then warm: ${renderTimes.join('; ')}; screenshots in ${SHOTS}`);
});

describe('the web view on the demo week', () => {
  it('serves the page with its CSP; the overview shows the API\'s report, sparklines draw, and the screenshot is saved', async () => {
    const res = await fetch(`${served.url}/`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    await inPage(async (w) => {
      expect(await visit(w, hashFor({ page: 'overview' }))).toBe('ready');
      renderTimes.push(await w.page.evaluate(() => `report ${document.body.dataset.shownMs} ms, all drawn ${document.body.dataset.readyMs} ms`));
      const report = await api<Summary>('summary', rangeParams(filters));
      expect(report.totals.packets).toBe(DEMO_PACKETS);
      await expectFiguresMatch(w.page, report);
      const trends = await api<Trends>('trends', trendParams(filters, Math.floor(Date.now() / 1000)));
      expect(await tableValues(w.page, 'new-ports', 'port')).toEqual(trends.newPorts.map((e) => e.label));
      const sparks = await canvases(w.page, '[data-chart^="spark-"]');
      expect(sparks).toHaveLength(report.topPorts.ports.length);
      for (const c of sparks) expect(c.w * c.h).toBeGreaterThan(0);
      await w.page.screenshot({ path: join(SHOTS, 'web-overview.png'), fullPage: false });
      // A second visit (warm caches) for the render-time figure.
      await w.page.reload();
      expect(await settled(w.page)).toBe('ready');
      renderTimes.push(await w.page.evaluate(() => `report ${document.body.dataset.shownMs} ms, all drawn ${document.body.dataset.readyMs} ms`));
    });
  });

  it('clicking a port opens its page: series totals, rank, chart, top sources and trend scores as the API answers', async () => {
    await inPage(async (w) => {
      await visit(w, hashFor({ page: 'overview' }));
      await w.page.click('table[data-table="top-ports"] a[data-port="37215/TCP"]');
      await w.page.waitForFunction(() => location.hash.startsWith('#/ports/tcp/37215'));
      expect(await settled(w.page)).toBe('ready');
      expect(parseHash(await w.page.evaluate(() => location.hash))).toEqual({ view: { page: 'port', proto: 'tcp', port: 37215 }, filters });
      const series = await api<PortSeries>('ports/tcp/37215/series', rangeParams(filters));
      expect(await metric(w.page, 'packets')).toEqual({ value: String(series.total.packets), text: formatCount(series.total.packets) });
      expect((await metric(w.page, 'sources')).value).toBe(String(series.total.sources));
      expect(await metric(w.page, 'rank')).toEqual({ value: String(series.rank), text: `#${series.rank}` });
      expect(await w.page.textContent('[data-field="note"]')).toBe(series.note);
      const chart = await canvases(w.page, '[data-chart="port-series"]');
      expect(chart.length).toBeGreaterThan(0);
      expect(chart[0].w * chart[0].h).toBeGreaterThan(0);
      const sp = rangeParams(filters);
      sp.set('proto', 'tcp'); sp.set('port', '37215'); sp.set('limit', '20');
      const sources = await api<TopSources>('sources/top', sp);
      expect(await tableValues(w.page, 'port-sources', 'ip')).toEqual(sources.sources.map((s) => s.ip));
      expect(await tableValues(w.page, 'port-sources', 'packets')).toEqual(sources.sources.map((s) => String(s.packets)));
      const tp = trendParams(filters, Math.floor(Date.now() / 1000));
      tp.set('proto', 'tcp'); tp.set('limit', '10000');
      const trends = await api<Trends>('trends', tp);
      const entry = [...trends.spikes, ...trends.newPorts].find((e) => e.port === 37215);
      expect(await tableValues(w.page, 'port-trend', 'zScore')).toEqual(entry === undefined ? [] : [String(entry.zScore)]);
      await w.page.screenshot({ path: join(SHOTS, 'web-port.png'), fullPage: false });
      // On to the first source's profile.
      await w.page.click('table[data-table="port-sources"] td[data-col="ip"] a');
      expect(await settled(w.page)).toBe('ready');
      const ip = sources.sources[0].ip;
      const profile = await api<SourceProfile>(`sources/${ip}`, rangeParams(filters));
      expect(await metric(w.page, 'packets')).toEqual({ value: String(profile.totals.packets), text: formatCount(profile.totals.packets) });
      expect((await metric(w.page, 'ports')).value).toBe(String(profile.totals.ports));
      expect(await tableValues(w.page, 'source-ports', 'port')).toEqual(profile.ports.map((p) => p.label));
      const timeline = await canvases(w.page, '[data-chart="source-timeline"]');
      expect(timeline[0].w * timeline[0].h).toBeGreaterThan(0);
    });
  });

  it('a filter change lands in the URL and the numbers follow the API', async () => {
    await inPage(async (w) => {
      await visit(w, hashFor({ page: 'overview' }));
      const before = await metric(w.page, 'packets');
      await w.page.check('input[name="exclude-research"]');
      await w.page.waitForFunction(() => location.hash.includes('exclude=research'));
      expect(await settled(w.page)).toBe('ready');
      const excluded = { ...filters, excludeResearch: true };
      expect(parseHash(await w.page.evaluate(() => location.hash)).filters).toEqual(excluded);
      const report = await api<Summary>('summary', rangeParams(excluded));
      await expectFiguresMatch(w.page, report);
      expect(Number((await metric(w.page, 'packets')).value)).toBeLessThan(Number(before.value));
      await w.page.selectOption('select[name="class"]', 'backscatter');
      await w.page.waitForFunction(() => location.hash.includes('class=backscatter'));
      expect(await settled(w.page)).toBe('ready');
      const backscatter = { ...excluded, trafficClass: 'backscatter' as const };
      await expectFiguresMatch(w.page, await api<Summary>('summary', rangeParams(backscatter)));
      // A link reproduces the view: a new tab on the same URL shows the same numbers.
      const url = w.page.url();
      const shown = await metric(w.page, 'packets');
      await inPage(async (again) => {
        await again.page.goto(url);
        expect(await settled(again.page)).toBe('ready');
        expect(await metric(again.page, 'packets')).toEqual(shown);
        expect(await again.page.inputValue('select[name="class"]')).toBe('backscatter');
      });
    });
  });

  it('auto-refresh loads the view again on its period', async () => {
    await inPage(async (w) => {
      const asked: string[] = [];
      w.page.on('request', (r) => { if (r.url().includes('/api/v1/summary')) asked.push(r.url()); });
      await w.page.clock.install();
      expect(await visit(w, hashFor({ page: 'overview' }, { ...filters, refresh: 30 }))).toBe('ready');
      expect(asked).toHaveLength(1);
      expect(await w.page.inputValue('select[name="refresh"]')).toBe('30');
      expect(await w.page.textContent('[role="status"]')).toContain('refreshing every 30 s');
      await w.page.clock.runFor(25_000);
      expect(asked).toHaveLength(1);
      await w.page.clock.runFor(6_000);
      await expect.poll(() => asked.length).toBe(2);
      expect(await settled(w.page)).toBe('ready');
      await expectFiguresMatch(w.page, await api<Summary>('summary', rangeParams(filters)));
    });
  });

  it('the CSV download of a table and the JSON download of the page hold the API\'s answers', async () => {
    await inPage(async (w) => {
      await visit(w, hashFor({ page: 'overview' }));
      const [download] = await Promise.all([w.page.waitForEvent('download'), w.page.click('section[data-section="top-countries"] button[data-download]')]);
      expect(download.suggestedFilename()).toBe('darkscope-top-countries.csv');
      const path = await download.path();
      const report = await api<Summary>('summary', rangeParams(filters));
      expect(await readFile(path, 'utf8')).toBe(toCsv({
        name: 'top-countries', columns: ['rank', 'country', 'packets', 'share', 'sources'],
        rows: report.topCountries.map((c) => [c.rank, c.country, c.packets, c.share, c.sources]),
      }));
      const [json] = await Promise.all([w.page.waitForEvent('download'), w.page.click('button[data-download="json"]')]);
      expect(json.suggestedFilename()).toBe('darkscope-Overview.json');
      const saved = JSON.parse(await readFile(await json.path(), 'utf8')) as { summary: Summary; series: PortSeries[]; trends: Trends };
      expect(saved.summary).toEqual(report);
      expect(saved.series.map((x) => x.label)).toEqual(report.topPorts.ports.map((p) => p.label));
      expect(saved.trends.newPorts).toEqual((await api<Trends>('trends', trendParams(filters, Math.floor(Date.now() / 1000)))).newPorts);
    });
  });

  it('labels and sensor names from the data are shown as text, never run', async () => {
    await inPage(async (w) => {
      const all = { ...filters, sensor: '' };
      expect(await visit(w, hashFor({ page: 'source', ip: HOSTILE_IP }, all))).toBe('ready');
      expect(await w.page.textContent('[data-field="label"]')).toBe(HOSTILE_LABEL);
      await visit(w, hashFor({ page: 'overview' }, all));
      expect(await w.page.textContent('[data-range]')).toContain(HOSTILE_SENSOR);
      // A hostile sensor filter in a link is a filter value, not markup.
      expect(await visit(w, hashFor({ page: 'overview' }, { ...all, sensor: HOSTILE_LABEL }))).toBe('ready');
      expect(await w.page.inputValue('input[name="sensor"]')).toBe(HOSTILE_LABEL);
      expect(await w.page.evaluate(() => ({ pwned: document.body.dataset.pwned ?? null, imgs: document.querySelectorAll('main img').length }))).toEqual({ pwned: null, imgs: 0 });
    });
  });

  it('an API error is shown with its code, message and hint', async () => {
    await inPage(async (w) => {
      expect(await visit(w, hashFor({ page: 'overview' }, { ...filters, from: '2099-01-01', to: '2099-01-02' }))).toBe('ready');
      expect(await visit(w, hashFor({ page: 'overview' }, { ...filters, from: iso(demo.end), to: iso(demo.start) }))).toBe('error');
      const text = await w.page.textContent('[role="alert"]');
      expect(text).toContain('DARKSCOPE_E_BAD_TIME_RANGE');
      expect(text).toContain('Write times as ISO 8601');
      // The only console errors allowed: the browser's own notes of the 400 answer.
    }, 'status of 400');
  });
});

describe('with bearer tokens and alerts on', () => {
  let secured: Served;
  let alertsDir: string;

  beforeAll(async () => {
    alertsDir = await mkdtemp(join(tmpdir(), 'darkscope-web-alerts-'));
    const file = join(alertsDir, 'alerts.yaml');
    await writeFile(file, [
      'interval: 1h',
      'targets:',
      '  - name: log',
      '    type: log',
      'rules:',
      '  - name: new-port',
      '    kind: newPort',
      '    align: hour',
      '    recentDays: 3',
      '    baselineDays: 4',
      '    targets: [log]',
      '',
    ].join('\n'));
    secured = await serveDemo(demo, { DARKSCOPE_API_TOKENS: TOKEN }, { alerts: file });
    // Wait for the first evaluation, so the page and this test see the same alerts.
    for (let i = 0; i < 300; i++) {
      const r = await fetch(`${secured.url}/api/v1/alerts`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await r.json()) as { evaluation: { evaluations: number } };
      if (body.evaluation.evaluations > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 120_000);

  afterAll(async () => {
    await secured?.stop();
    await rm(alertsDir, { recursive: true, force: true });
  });

  it('a 401 asks for a token; a wrong one is refused, the right one shows the trends and alerts', async () => {
    await inPage(async (w) => {
      const auth = { authorization: `Bearer ${TOKEN}` };
      const hash = hashFor({ page: 'trends' }, { ...filters, from: iso(demo.end - 3 * 86_400), baselineDays: 4 });
      await w.page.goto(`${secured.url}/${hash}`);
      expect(await settled(w.page)).toBe('error');
      const dialog = w.page.locator('dialog[data-dialog="token"]');
      await dialog.waitFor({ state: 'visible' });
      expect(await dialog.textContent()).toContain('needs a bearer token');
      expect(await w.page.textContent('[role="alert"]')).toContain('DARKSCOPE_E_UNAUTHORIZED');
      await w.page.fill('input[name="token"]', 'not-the-token-at-all-xxxx');
      await w.page.click('dialog button[type="submit"]');
      await w.page.waitForFunction(() => document.body.dataset.state !== 'loading' && document.querySelector('dialog[open]') !== null);
      expect(await w.page.textContent('[role="alert"]')).toContain('not valid');
      await w.page.fill('input[name="token"]', TOKEN);
      await w.page.click('dialog button[type="submit"]');
      await w.page.waitForFunction(() => document.body.dataset.state === 'ready');
      const f = parseHash(hash).filters;
      const trends = await api<Trends>('trends', trendParams(f, Math.floor(Date.now() / 1000)), secured.url, auth);
      expect(trends.newPorts.map((e) => e.label)).toContain('37215/TCP');
      expect(await tableValues(w.page, 'new-ports', 'port')).toEqual(trends.newPorts.map((e) => e.label));
      expect(await tableValues(w.page, 'new-ports', 'recentPackets')).toEqual(trends.newPorts.map((e) => String(e.recent.packets)));
      const alerts = await api<{ firing: Array<{ id: string }> }>('alerts', new URLSearchParams({ limit: '50' }), secured.url, auth);
      expect(alerts.firing.map((a) => a.id)).toContain('new-port:37215/tcp');
      expect(await tableValues(w.page, 'alerts-firing', 'id')).toEqual(alerts.firing.map((a) => a.id));
      await w.page.screenshot({ path: join(SHOTS, 'web-trends.png'), fullPage: false });
      // The browser noted each refused request (allowed below); nothing else went wrong.
      expect(w.errors.length).toBeGreaterThan(0);
    }, 'status of 401');
  });
});
