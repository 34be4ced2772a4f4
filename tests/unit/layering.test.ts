/**
 * Data flows one way: source → decode → classify → batch → store → query →
 * API / CLI / alerts. This reads every import in src/ and fails on one that
 * reaches back up the chain, so a shortcut cannot land unnoticed.
 *
 * The packet model (src/ingest/packet.ts) may be imported as types by the
 * store (it encodes packets) and the query layer (its filters name classes
 * and tools); shared vocabulary lives in src/net/, errors.ts, logger.ts,
 * integer-option.ts and config.ts. src/web is the browser side: it imports
 * nothing from the server side.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Import { from: string; to: string; typeOnly: boolean }

function imports(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm)) {
    const target = relative(SRC, resolve(dirname(file), m[2])).replace(/\.js$/, '.ts');
    out.push({ from: relative(SRC, file), to: target, typeOnly: m[1] !== undefined });
  }
  return out;
}

const top = (path: string): string => (path.includes('/') ? path.slice(0, path.indexOf('/')) : path.replace(/\.ts$/, ''));

/** What each part of src/ must not import (top-level folders or files). */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  net: ['ingest', 'store', 'query', 'api', 'alerts', 'cli', 'config', 'demo', 'synth'],
  ingest: ['query', 'api', 'alerts', 'cli', 'demo'],
  store: ['ingest', 'query', 'api', 'alerts', 'cli', 'demo'],
  query: ['ingest', 'api', 'alerts', 'cli', 'demo'],
  alerts: ['api', 'cli', 'demo'],
  api: ['cli', 'demo'],
  // The browser side talks to the server over HTTP (/api/v1) only.
  web: ['net', 'ingest', 'store', 'query', 'api', 'alerts', 'cli', 'demo', 'synth', 'config', 'errors', 'logger', 'integer-option'],
};
const PACKET_MODEL = 'ingest/packet.ts';

describe('imports point down the chain', () => {
  const all = files(SRC).flatMap(imports);

  it('finds the imports it checks', () => {
    expect(all.length).toBeGreaterThan(300);
    expect(all.some((i) => i.from === 'ingest/pipeline.ts' && i.to.startsWith('store/'))).toBe(true);
  });

  it('no module reaches back up', () => {
    const bad = all.filter((i) => {
      const forbidden = FORBIDDEN[top(i.from)] ?? [];
      if (!forbidden.includes(top(i.to))) return false;
      return !(i.to === PACKET_MODEL && i.typeOnly && (top(i.from) === 'store' || top(i.from) === 'query'));
    });
    expect(bad.map((i) => `${i.from} imports ${i.to}`)).toEqual([]);
  });

  it('the web view imports nothing from the server side, and the server nothing from it', () => {
    expect(all.some((i) => i.from.startsWith('web/') && i.to.startsWith('web/'))).toBe(true);
    const bad = all.filter((i) => (top(i.from) === 'web') !== (top(i.to) === 'web'));
    expect(bad.map((i) => `${i.from} imports ${i.to}`)).toEqual([]);
  });

  it('nothing above src/store names an engine, except the CLI that starts it', () => {
    const bad = all.filter((i) => ['query', 'api', 'alerts', 'ingest'].includes(top(i.from)) && i.to.startsWith('store/embedded/'));
    expect(bad.map((i) => `${i.from} imports ${i.to}`)).toEqual([]);
  });

  it('the product never imports test or bench machinery', () => {
    expect(all.filter((i) => i.to.startsWith('..')).map((i) => `${i.from} imports ${i.to}`)).toEqual([]);
  });
});
