/**
 * The tables a page shows, as CSV (RFC 4180: comma-separated, CRLF line
 * ends, fields quoted when they hold a comma, quote, or line break). Pure;
 * the numbers are the API's, unformatted, so a spreadsheet reads them.
 * A field that would start with = + - @ (or a tab or CR) and is not a number
 * gets a leading apostrophe, so a spreadsheet never runs it as a formula
 * (labels and sensor names come from users).
 */

export type Cell = string | number | boolean | null;

export interface ShownTable {
  /** File name without extension, e.g. "top-ports". */
  readonly name: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly Cell[]>;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(v: Cell): string {
  if (v === null) return '';
  let s = typeof v === 'string' ? v : String(v);
  if (typeof v === 'string' && FORMULA_START.test(s) && !Number.isFinite(Number(s))) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(table: ShownTable): string {
  const lines = [table.columns, ...table.rows].map((row) => row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
