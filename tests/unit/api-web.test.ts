/**
 * The web view's routes through app.inject(): the page and its bundle with a
 * strict CSP, no token needed for them (the page's API calls carry one),
 * caching by ETag, and a clear error when the bundle was never built. Needs
 * dist/web (`npm run build`, which `npm ci` and `npm test` run).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type DarkscopeApp } from '../../src/api/app.js';
import { defaultWebDir, WEB_CSP } from '../../src/api/routes/web.js';
import { parseAlertsConfig } from '../../src/alerts/config.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { StoreClient } from '../../src/store/client.js';
import { sqlQualified } from '../../src/store/sql.js';

const TOKEN = 'a-web-view-token-123456';

/** The web routes never touch the store: any query fails the test. */
const noQueries: StoreClient = {
  database: 'unused',
  url: 'http://127.0.0.1:1',
  clickhouse: undefined as never,
  table: (name: string) => sqlQualified('unused', name),
  async query() { throw new Error('the web view must not query the store'); },
  async command() { throw new Error('the web view must not run commands'); },
  async ping() {},
  async close() {},
};

let app: DarkscopeApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function make(opts: { env?: Record<string, string>; webDir?: string; alerts?: boolean } = {}): Promise<DarkscopeApp> {
  const alerts = opts.alerts === true
    ? parseAlertsConfig('targets:\n  - name: log\n    type: log\nrules:\n  - name: new-port\n    kind: newPort\n    targets: [log]\n', 'alerts.yaml', {})
    : undefined;
  app = await buildApp({ config: loadConfig({ DARKSCOPE_API_RATE_LIMIT: '0', ...opts.env }), store: noQueries, logger: createLogger('silent'), defaultMetrics: false, webDir: opts.webDir, alerts });
  return app;
}

describe('the web view at /', () => {
  it('finds the bundle that npm run build made', () => {
    expect(existsSync(`${defaultWebDir()}/app.js`)).toBe(true);
  });

  it('answers the page and its assets with a strict CSP, and no inline script or style in the page', async () => {
    const a = await make();
    const page = await a.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(WEB_CSP);
    expect(WEB_CSP).not.toContain('unsafe');
    expect(WEB_CSP).toContain("default-src 'none'");
    expect(WEB_CSP).toContain("script-src 'self'");
    expect(WEB_CSP).toContain("style-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('<script type="module" src="assets/app.js"></script>');
    expect(page.body).toContain('<link rel="stylesheet" href="assets/app.css">');
    expect(page.body).toContain('<meta name="darkscope-alerts" content="off">');
    // Every <script> has a src, no <style> element, no style= or on...= attribute.
    expect(page.body.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
    expect(page.body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const js = await a.inject({ url: '/assets/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['content-security-policy']).toBe(WEB_CSP);
    expect(js.body.includes('api/v1/'), 'the bundle calls api/v1/').toBe(true);
    const css = await a.inject({ url: '/assets/app.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body.includes('.uplot'), 'the bundle holds uPlot\'s stylesheet').toBe(true);
    expect((await a.inject({ url: '/assets/nothing.js' })).json()).toMatchObject({ error: { code: 'DARKSCOPE_E_NOT_FOUND' } });
  });

  it('answers 304 to a repeated request with the same ETag', async () => {
    const a = await make();
    const first = await a.inject({ url: '/assets/app.js' });
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const again = await a.inject({ url: '/assets/app.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('needs no token while /api/v1 does', async () => {
    const a = await make({ env: { DARKSCOPE_API_TOKENS: TOKEN } });
    expect((await a.inject({ url: '/' })).statusCode).toBe(200);
    expect((await a.inject({ url: '/assets/app.js' })).statusCode).toBe(200);
    const api = await a.inject({ url: '/api/v1/summary' });
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ error: { code: 'DARKSCOPE_E_UNAUTHORIZED' } });
  });

  it('tells the page when serve runs with --alerts', async () => {
    const a = await make({ alerts: true });
    expect((await a.inject({ url: '/' })).body).toContain('<meta name="darkscope-alerts" content="on">');
  });

  it('without a bundle, / answers 503 WEB_NOT_BUILT saying how to build it; the API still works', async () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const a = await make({ webDir: dir });
    for (const url of ['/', '/assets/app.js']) {
      const r = await a.inject({ url });
      expect(r.statusCode, url).toBe(503);
      expect(r.json()).toEqual({ error: { code: 'DARKSCOPE_E_WEB_NOT_BUILT', message: 'the web view is not built on this server', hint: expect.stringContaining('npm run build') } });
    }
    expect((await a.inject({ url: '/healthz/live' })).statusCode).toBe(200);
  });
});
