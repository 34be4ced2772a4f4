/**
 * The web view (src/web/, bundled by `npm run build:web` into dist/web/):
 *   GET /                 the page: a static HTML shell, no data in it (only
 *                         whether alerts are on, so the page never asks a route that is off)
 *   GET /assets/app.js    the bundle (esbuild output: the view and uPlot)
 *   GET /assets/app.css
 * Reachable without a token (nothing here is data: the page asks /api/v1,
 * sending the token the user gives it), outside the /api/v1 rate limit.
 * Every answer carries a strict Content-Security-Policy: scripts, styles and
 * connections from this origin only, no inline script or style, no frames.
 * The files are read once when the plugin registers; when the bundle is
 * missing, `/` answers 503 DARKSCOPE_E_WEB_NOT_BUILT saying how to build it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DarkscopeError } from '../../errors.js';

export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function page(alerts: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="darkscope-alerts" content="${alerts ? 'on' : 'off'}">
<title>darkscope</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/app.css">
<script type="module" src="assets/app.js"></script>
</head>
<body>
<noscript>The darkscope web view needs JavaScript. The data is also at /api/v1 (documented at /docs).</noscript>
</body>
</html>
`;
}

const ASSETS = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' } as const;

/**
 * Where the bundle is: dist/web beside the compiled server (dist/api/routes →
 * dist/web), or, when the server runs from src/ (tests, tsx), the repository's dist/web.
 */
export function defaultWebDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, '../../web'), join(here, '../../../dist/web')];
  return candidates.find((d) => existsSync(join(d, 'app.js'))) ?? candidates[1];
}

interface Asset { readonly body: Buffer; readonly type: string; readonly etag: string }

function load(dir: string, alerts: boolean): Map<string, Asset> | null {
  const out = new Map<string, Asset>();
  for (const [name, type] of Object.entries(ASSETS)) {
    const path = join(dir, name);
    if (!existsSync(path)) return null;
    const body = readFileSync(path);
    out.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  const html = Buffer.from(page(alerts), 'utf8');
  out.set('', { body: html, type: 'text/html; charset=utf-8', etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 22)}"` });
  return out;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply
    .header('content-security-policy', WEB_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag);
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  return reply.type(asset.type).send(asset.body);
}

export interface WebOptions {
  readonly dir: string;
  /** serve --alerts is on: the page's trends view then asks /api/v1/alerts (a meta tag tells it). */
  readonly alerts: boolean;
}

export const webRoutes: FastifyPluginAsync<WebOptions> = async (app, { dir, alerts }) => {
  const assets = load(dir, alerts);
  const config = { public: true } as const;
  const notBuilt = () => new DarkscopeError('WEB_NOT_BUILT', `the web view's bundle is not in ${dir}`);
  app.get('/', { config, schema: { hide: true } }, async (request, reply) => {
    const page = assets?.get('');
    if (page === undefined) throw notBuilt();
    return send(request, reply, page);
  });
  app.get<{ Params: { name: string } }>('/assets/:name', { config, schema: { hide: true } }, async (request, reply) => {
    const asset = assets?.get(request.params.name);
    if (assets === null) throw notBuilt();
    if (asset === undefined || request.params.name === '') throw new DarkscopeError('NOT_FOUND', `no asset ${request.params.name.slice(0, 100)}`);
    return send(request, reply, asset);
  });
};
