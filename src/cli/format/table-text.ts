/**
 * Query-result tables (src/query/result-tables.ts) for people: aligned text columns
 * or Markdown, with digit groups, percentages and short UTC times; CSV is the
 * same as the API's format=csv.
 */
import { toCsv, type Cell, type ColumnKind, type Table } from '../../query/result-tables.js';

export type TableFormat = 'table' | 'md' | 'csv';

/** 1234567 → "1,234,567". */
export function fmtInt(n: number): string {
  const s = String(Math.round(Math.abs(n)));
  return `${n < 0 ? '-' : ''}${s.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

/** 0.1234 → "12.3%"; shares under 1% keep two decimals ("0.05%"). */
export function fmtShare(x: number): string {
  const pct = x * 100;
  return `${pct !== 0 && Math.abs(pct) < 1 ? pct.toFixed(2) : pct.toFixed(1)}%`;
}

export function fmtScore(x: number): string {
  return Math.abs(x) >= 1000 ? fmtInt(x) : x.toFixed(2);
}

/** "2024-03-01T12:00:00Z" → "2024-03-01 12:00:00". */
export function fmtTime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

export function cellText(v: Cell, kind: ColumnKind): string {
  if (v === null) return '';
  if (typeof v === 'number') {
    if (kind === 'share') return fmtShare(v);
    if (kind === 'score') return fmtScore(v);
    if (kind === 'count') return fmtInt(v);
    return String(v);
  }
  return kind === 'time' ? fmtTime(v) : v;
}

const RIGHT = new Set<ColumnKind>(['count', 'id', 'share', 'score']);
/** Widest a text cell may be in the aligned table (longer ones are cut with "…"). */
const MAX_TEXT_WIDTH = 48;

function clip(s: string): string {
  return s.length > MAX_TEXT_WIDTH ? `${s.slice(0, MAX_TEXT_WIDTH - 1)}…` : s;
}

/** Aligned columns separated by two spaces, a dashed line under the headings. */
export function renderText(table: Table, indent = ''): string {
  const cols = table.columns;
  const cells = table.rows.map((r) => r.map((v, i) => clip(cellText(v, cols[i].kind).replace(/[\r\n\t]/g, ' '))));
  const widths = cols.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i].length)));
  const line = (parts: string[]) => indent + parts.map((p, i) => (RIGHT.has(cols[i].kind) ? p.padStart(widths[i]) : p.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(cols.map((c) => c.title)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

export function renderMarkdown(table: Table): string {
  const cols = table.columns;
  const head = `| ${cols.map((c) => mdCell(c.title)).join(' | ')} |`;
  const rule = `| ${cols.map((c) => (RIGHT.has(c.kind) ? '---:' : '---')).join(' | ')} |`;
  const rows = table.rows.map((r) => `| ${r.map((v, i) => mdCell(cellText(v, cols[i].kind))).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

export function renderTable(table: Table, format: TableFormat): string {
  if (format === 'csv') return toCsv(table);
  if (format === 'md') return `${renderMarkdown(table)}\n`;
  return `${renderText(table)}\n`;
}

/** Keeps only the named columns (for narrower terminal tables). */
export function pickColumns(table: Table, keys: readonly string[]): Table {
  const idx = keys.map((k) => table.columns.findIndex((c) => c.key === k)).filter((i) => i >= 0);
  return { columns: idx.map((i) => table.columns[i]), rows: table.rows.map((r) => idx.map((i) => r[i])) };
}
