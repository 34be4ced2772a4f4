/**
 * Building the page from data without ever parsing data as HTML: elements
 * are created with document.createElement, text goes in as text nodes, and
 * attributes through setAttribute (never event handlers or inline styles,
 * which the Content-Security-Policy would refuse anyway). Labels, sensor
 * names and error messages come from users and the network; this is what
 * keeps them inert. tests/unit/web-no-html-sinks.test.ts fails if any file in
 * src/web uses an HTML-parsing sink.
 */

export type Child = Node | string | null | undefined | false;
export type Attrs = Readonly<Record<string, string | undefined>>;

const FORBIDDEN_ATTR = /^(on|style$|srcdoc$)/i;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined) continue;
    if (FORBIDDEN_ATTR.test(name)) throw new Error(`attribute ${name} is not set from code (CSP)`);
    if ((name === 'href' || name === 'src') && !/^(#|\/|\.|blob:|https?:)/.test(value) && value !== '') {
      throw new Error(`refusing ${name}=${value.slice(0, 40)}`);
    }
    el.setAttribute(name, value);
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild !== null) el.removeChild(el.firstChild);
}

/** A headline figure: the formatted text, with the API's raw number in data-value (tests compare it). */
export function figure(key: string, label: string, value: number | null, text: string, title?: string): HTMLElement {
  return h('div', { class: 'figure', 'data-metric': key, 'data-value': value === null ? '' : String(value), title },
    h('span', { class: 'figure-value' }, text),
    h('span', { class: 'figure-label' }, label));
}

export interface Column<R> {
  readonly title: string;
  readonly cell: (row: R) => Child;
  /** Right-aligned, tabular digits. */
  readonly numeric?: boolean;
  /** Raw value for data-value (tests, sorting). */
  readonly value?: (row: R) => string | number;
  readonly key?: string;
}

export function table<R>(name: string, columns: ReadonlyArray<Column<R>>, rows: readonly R[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-table': name }, empty);
  const head = h('tr', null, ...columns.map((c) => h('th', { scope: 'col', class: c.numeric === true ? 'num' : undefined }, c.title)));
  const body = h('tbody', null, ...rows.map((r) => h('tr', null, ...columns.map((c) => h('td', {
    class: c.numeric === true ? 'num' : undefined,
    'data-col': c.key,
    'data-value': c.value === undefined ? undefined : String(c.value(r)),
  }, c.cell(r))))));
  return h('div', { class: 'table-wrap' }, h('table', { 'data-table': name }, h('thead', null, head), body));
}

/** A horizontal bar of shares (class mix, protocol mix), with a legend. Widths go through CSSOM, which the CSP allows. */
export function shareBar(name: string, parts: ReadonlyArray<{ readonly key: string; readonly label: string; readonly share: number }>): HTMLElement {
  const bar = h('div', { class: 'sharebar', role: 'img', 'aria-label': parts.map((p) => `${p.label} ${(p.share * 100).toFixed(1)}%`).join(', ') });
  const legend = h('ul', { class: 'legend' });
  parts.forEach((p, i) => {
    const seg = h('span', { class: `seg c${i % 8}`, title: p.label });
    seg.style.width = `${Math.max(0, Math.min(1, p.share)) * 100}%`;
    bar.appendChild(seg);
    legend.appendChild(h('li', { 'data-key': p.key, 'data-value': String(p.share) }, h('span', { class: `swatch c${i % 8}` }), `${p.label} `, h('b', null, `${(p.share * 100).toFixed(1)}%`)));
  });
  return h('div', { class: 'sharebar-wrap', 'data-bar': name }, bar, legend);
}

/** A share as a small inline bar behind its percentage. */
export function shareCell(share: number, text: string): HTMLElement {
  const fill = h('span', { class: 'cellbar' });
  fill.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  return h('span', { class: 'sharecell' }, fill, h('span', { class: 'sharecell-text' }, text));
}
