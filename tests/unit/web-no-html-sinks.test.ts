/**
 * Every value the web view shows comes from users or the network (labels,
 * sensor names, error messages), so src/web never hands text to an API that
 * parses HTML or runs code, and neither does the charting library it
 * bundles. The browser suite checks the same with hostile labels in a page.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'src/web');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|css)$/.test(p) ? [p] : [];
  });
}

const SINKS: ReadonlyArray<[string, RegExp]> = [
  ['innerHTML / outerHTML', /\b(inner|outer)HTML\b/],
  ['insertAdjacentHTML', /insertAdjacentHTML/],
  ['document.write', /document\.write/],
  ['DOMParser / createContextualFragment', /DOMParser|createContextualFragment/],
  ['srcdoc', /srcdoc\s*=/],
  ['eval / new Function', /\beval\s*\(|new\s+Function\s*\(/],
  ['string timers', /set(Timeout|Interval)\(\s*['"`]/],
  ['inline style or handler attributes', /setAttribute\(\s*['"](style|on[a-z]+)['"]/],
  ['javascript: URLs', /javascript:/i],
  ['CSS expressions or remote imports', /expression\(|@import\s+url\(\s*['"]?https?:/],
];

describe('no HTML-parsing or code-running sinks', () => {
  const sources = files(WEB);

  it('finds the web view\'s sources', () => {
    expect(sources.map((f) => relative(ROOT, f))).toEqual(expect.arrayContaining(['src/web/main.ts', 'src/web/dom.ts', 'src/web/pages/overview.ts', 'src/web/style.css']));
  });

  it('src/web uses none (and its DOM builder, dom.ts, refuses handler and style attributes)', () => {
    const found = sources.flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return SINKS.filter(([, re]) => re.test(text)).map(([what]) => `${relative(ROOT, f)}: ${what}`);
    });
    expect(found).toEqual([]);
  });

  it('neither does the uPlot build that is bundled', () => {
    const uplot = readFileSync(join(ROOT, 'node_modules/uplot/dist/uPlot.esm.js'), 'utf8');
    expect(SINKS.filter(([, re]) => re.test(uplot)).map(([what]) => what)).toEqual([]);
  });
});
