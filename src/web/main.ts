/**
 * The web view's shell: header, toolbar, the current page, status line,
 * token dialog. It reads the view from the URL fragment, loads the page's
 * data from /api/v1 (aborting a load that a newer navigation replaced),
 * and reloads it on the auto-refresh period.
 *
 * document.body carries data-state (loading, ready, error), data-view (the
 * fragment that state belongs to), data-shown-ms (the page's main answer
 * shown) and data-ready-ms (everything drawn), both in milliseconds since
 * navigation start, for the browser tests.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiClient, ApiError, type TokenStore } from './api.js';
import { buildControls } from './controls.js';
import { clear, h } from './dom.js';
import { saveFile } from './download.js';
import type { Page, Rendered } from './page.js';
import { overviewPage } from './pages/overview.js';
import { portPage } from './pages/port.js';
import { sourcePage } from './pages/source.js';
import { trendsPage } from './pages/trends.js';
import { parseHash, toHash, type Filters, type View, type ViewState } from './state.js';
import { tokenDialog } from './token-dialog.js';

const PAGES: Readonly<Record<View['page'], Page>> = { overview: overviewPage, port: portPage, source: sourcePage, trends: trendsPage };
const TOKEN_KEY = 'darkscope.apiToken';
/** Set by the server in the page (src/api/routes/web.ts). */
const alertsOn = document.querySelector('meta[name="darkscope-alerts"]')?.getAttribute('content') === 'on';

/** The token lives for the browser tab (sessionStorage), or in memory where storage is off. */
function tokenStore(): TokenStore {
  let memory: string | null = null;
  return {
    get() {
      try {
        return sessionStorage.getItem(TOKEN_KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    set(token) {
      memory = token;
      try {
        if (token === null) sessionStorage.removeItem(TOKEN_KEY);
        else sessionStorage.setItem(TOKEN_KEY, token);
      } catch {
        // storage disabled: the in-memory copy serves this page's life
      }
    },
  };
}

function errorBox(e: ApiError): HTMLElement {
  return h('div', { class: 'error', role: 'alert', 'data-error-code': e.code },
    h('h2', null, e.status === 0 ? 'The server did not answer' : `The API answered ${e.status}`),
    h('p', { class: 'error-message' }, h('code', null, e.code), ': ', e.message),
    e.hint === '' ? null : h('p', { class: 'error-hint' }, e.hint));
}

function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new ApiError(0, 'WEB_VIEW', `the page could not show the answer (${why})`, 'Reload the page; if it persists, report it with the URL.');
}

class App {
  private readonly api = new ApiClient(() => location.href, tokenStore());
  private readonly main = h('main', { id: 'content', 'aria-live': 'polite' });
  private readonly status = h('p', { class: 'status', role: 'status' });
  private readonly nav = h('nav', { class: 'nav' });
  private readonly controls = buildControls((f) => this.navigate(f));
  private readonly tokens = tokenDialog((token) => {
    this.api.tokens.set(token);
    void this.load();
  });
  private rendered: Rendered | null = null;
  private inFlight: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private state: ViewState = parseHash(location.hash);

  mount(root: HTMLElement): void {
    const json = h('button', { type: 'button', class: 'small', 'data-download': 'json', title: 'Download the API answers shown, as JSON' }, 'JSON');
    json.addEventListener('click', () => {
      if (this.rendered !== null) saveFile(`darkscope-${this.rendered.title.replace(/[^A-Za-z0-9.-]+/g, '_')}.json`, 'application/json', `${JSON.stringify(this.rendered.json, null, 2)}\n`);
    });
    const tokenButton = h('button', { type: 'button', class: 'small', 'data-action': 'token' }, 'Token…');
    tokenButton.addEventListener('click', () => this.tokens.open('Enter an API token (DARKSCOPE_API_TOKENS), or leave empty to send none.'));
    root.append(
      h('header', { class: 'top' },
        h('div', { class: 'brand' }, h('a', { href: '#/' }, 'darkscope'), h('span', { class: 'muted' }, ' darknet telemetry')),
        this.nav, h('div', { class: 'tools' }, json, tokenButton)),
      this.controls.node, this.status, this.main, this.tokens.node);
    window.addEventListener('hashchange', () => {
      this.state = parseHash(location.hash);
      void this.load();
    });
    void this.load();
  }

  private navigate(filters: Filters): void {
    const hash = toHash({ view: this.state.view, filters });
    if (hash === (location.hash === '' ? '#/' : location.hash)) void this.load();
    else location.hash = hash;
  }

  private renderNav(): void {
    clear(this.nav);
    const link = (view: View, text: string) => {
      const current = this.state.view.page === view.page;
      return h('a', { href: toHash({ view, filters: this.state.filters }), 'aria-current': current ? 'page' : undefined }, text);
    };
    this.nav.append(link({ page: 'overview' }, 'Overview'), link({ page: 'trends' }, 'Trends'));
    const v = this.state.view;
    if (v.page === 'port') this.nav.append(h('span', { class: 'crumb', 'aria-current': 'page' }, `${v.port}/${v.proto.toUpperCase()}`));
    if (v.page === 'source') this.nav.append(h('span', { class: 'crumb', 'aria-current': 'page' }, v.ip));
  }

  private async load(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight?.abort();
    const ac = new AbortController();
    this.inFlight = ac;
    const state = this.state;
    const hash = location.hash;
    this.controls.show(state.filters);
    this.renderNav();
    document.body.dataset.state = 'loading';
    this.main.setAttribute('aria-busy', 'true');
    this.status.textContent = this.rendered === null ? 'Loading…' : 'Updating…';
    const started = performance.now();
    let shown = false;
    try {
      const page = await PAGES[state.view.page]({ api: this.api, state, signal: ac.signal, nowSec: Math.floor(Date.now() / 1000), alertsOn });
      if (ac.signal.aborted) return;
      this.show(page);
      shown = true;
      this.controls.knowSensors(page.sensors ?? []);
      document.title = `${page.title} · darkscope`;
      document.body.dataset.shownMs = String(Math.round(performance.now()));
      await page.pending;
      if (ac.signal.aborted) return;
      this.status.textContent = `Updated ${new Date().toISOString().slice(11, 19)} UTC in ${Math.round(performance.now() - started)} ms${state.filters.refresh > 0 ? ` · refreshing every ${state.filters.refresh} s` : ''}`;
      document.body.dataset.view = hash;
      document.body.dataset.state = 'ready';
      document.body.dataset.readyMs = String(Math.round(performance.now()));
    } catch (err) {
      if (ac.signal.aborted) return;
      const e = asApiError(err);
      // A part that failed after the page was shown: the error goes above what did load.
      if (shown) this.main.prepend(errorBox(e));
      else this.show(null, errorBox(e));
      this.status.textContent = `Failed at ${new Date().toISOString().slice(11, 19)} UTC`;
      document.body.dataset.view = hash;
      document.body.dataset.state = 'error';
      if (e.needsToken) this.tokens.open(`This API needs a bearer token: ${e.message}.`);
    } finally {
      if (this.inFlight === ac) {
        this.inFlight = null;
        this.main.removeAttribute('aria-busy');
        if (state.filters.refresh > 0) this.timer = setTimeout(() => void this.load(), state.filters.refresh * 1000);
      }
    }
  }

  private show(page: Rendered | null, fallback?: HTMLElement): void {
    for (const c of this.rendered?.charts ?? []) c.dispose();
    this.rendered = page;
    clear(this.main);
    this.main.append(page?.node ?? fallback ?? h('p'));
  }
}

new App().mount(document.body);
