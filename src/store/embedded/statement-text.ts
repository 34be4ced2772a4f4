/**
 * What the embedded engine needs to know about one SQL statement's text
 * before it hands it to chdb, found by a small lexer (strings, quoted
 * identifiers, comments and bracket depth; no grammar):
 *
 * - how many statements it holds: chdb runs `SELECT 1; DROP TABLE t` as two
 *   statements, a ClickHouse server refuses it (Code 62), so the engine
 *   refuses it too;
 * - its first keyword (SELECT, INSERT, CREATE, ...);
 * - its output format (a top-level `FORMAT name`);
 * - for an INSERT that carries data (`INSERT INTO t (a, b) FORMAT X`, or
 *   `... VALUES`), where the data would start and where `FROM INFILE` goes,
 *   so that the data is read from a file and never parsed as SQL.
 *
 * Pure functions; unit-tested in tests/unit/embedded-statement-text.test.ts.
 */

export interface StatementInfo {
  /** Statements in the text (a trailing `;` does not start another). */
  readonly statements: number;
  /** First keyword, upper-cased ('' for an empty text). */
  readonly kind: string;
  /** The top-level `FORMAT name` of a query, if any. */
  readonly format: string | null;
  /** INSERT only: true when the statement takes data (FORMAT or VALUES, no SELECT). */
  readonly takesData: boolean;
  /**
   * INSERT with data: offset in the text where inline data starts (after
   * the format name and the whitespace after it); text.length when none.
   */
  readonly dataStart: number;
  /** INSERT with data: offset where `FROM INFILE '...'` is inserted (before SETTINGS / FORMAT). */
  readonly infileAt: number;
  /** INSERT ... VALUES: offset and length of the VALUES keyword (replaced by `FORMAT Values`). */
  readonly valuesAt: { readonly start: number; readonly end: number } | null;
}

interface Word {
  readonly upper: string;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
}

const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[A-Za-z0-9_]/;
const SPACE = /\s/;

/** Skips a quoted run starting at `i` (the opening quote); returns the index after the closing one. */
function skipQuoted(text: string, i: number): number {
  const q = text[i];
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') j += 2;
    else if (c === q) {
      if (text[j + 1] === q) j += 2; // doubled quote
      else return j + 1;
    } else j++;
  }
  return text.length;
}

/** Returns the index after a comment starting at `i`, or -1 when none starts there. */
function skipComment(text: string, i: number): number {
  const c = text[i];
  const n = text[i + 1];
  if ((c === '-' && n === '-') || (c === '#' && (n === ' ' || n === '!'))) {
    const nl = text.indexOf('\n', i);
    return nl < 0 ? text.length : nl + 1;
  }
  if (c === '/' && n === '*') {
    const endAt = text.indexOf('*/', i + 2);
    return endAt < 0 ? text.length : endAt + 2;
  }
  return -1;
}

export function analyzeStatement(text: string): StatementInfo {
  let words = 0;
  /** The token just before the current one, when it was a word (FORMAT must be followed directly by the name). */
  let prev: Word | null = null;
  let statements = 0;
  let sawContent = false;
  let depth = 0;
  let kind = '';
  let format: string | null = null;
  let takesData = false;
  let dataStart = text.length;
  let infileAt = -1;
  let valuesAt: { start: number; end: number } | null = null;
  let settingsAt = -1;
  let sawSelect = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const afterComment = skipComment(text, i);
    if (afterComment >= 0) {
      i = afterComment;
      continue;
    }
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (!sawContent) {
      sawContent = true;
      statements++;
    }
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(text, i);
      prev = null;
      continue;
    }
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
    else if (c === ';' && depth === 0) sawContent = false;
    else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < text.length && WORD_CHAR.test(text[j])) j++;
      const word: Word = { upper: text.slice(i, j).toUpperCase(), start: i, end: j, depth };
      words++;
      if (words === 1 && statements === 1) kind = word.upper;
      if (statements === 1 && depth === 0) {
        if (word.upper === 'SELECT' || word.upper === 'WITH') sawSelect = true;
        if (kind === 'INSERT' && !sawSelect) {
          if (word.upper === 'SETTINGS' && settingsAt < 0) settingsAt = word.start;
          if (word.upper === 'VALUES') {
            takesData = true;
            valuesAt = { start: word.start, end: word.end };
            infileAt = settingsAt >= 0 ? settingsAt : word.start;
            dataStart = skipSpace(text, j);
            format = 'Values';
            break;
          }
          if (prev?.upper === 'FORMAT' && prev.depth === 0) {
            takesData = true;
            format = text.slice(word.start, word.end);
            infileAt = settingsAt >= 0 ? settingsAt : prev.start;
            dataStart = skipSpace(text, j);
            break;
          }
        } else if (prev?.upper === 'FORMAT' && prev.depth === 0) {
          format = text.slice(word.start, word.end);
        }
      }
      prev = word;
      i = j;
      continue;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[0-9A-Za-z_.]/.test(text[j])) j++;
      prev = null;
      i = j;
      continue;
    }
    prev = null;
    i++;
  }
  return {
    statements,
    kind,
    format,
    takesData,
    dataStart: takesData ? dataStart : text.length,
    infileAt: takesData ? infileAt : -1,
    valuesAt,
  };
}

function skipSpace(text: string, i: number): number {
  let j = i;
  while (j < text.length && SPACE.test(text[j])) j++;
  return j;
}

/**
 * Statement kinds whose result chdb can stream: its queryStream refuses
 * everything but SELECT (DDL, inserts, and also EXISTS / SHOW / DESCRIBE,
 * "Streaming query is not supported"), so those are answered whole.
 */
const STREAMABLE_KINDS = new Set(['SELECT', 'WITH']);

export function isStreamableKind(kind: string): boolean {
  return STREAMABLE_KINDS.has(kind);
}

/**
 * The INSERT statement rewritten to read its data from `fileLiteral` (an
 * already-escaped SQL string literal): `INSERT INTO t (a) FORMAT X` becomes
 * `INSERT INTO t (a) FROM INFILE 'path' FORMAT X`; `... VALUES` becomes
 * `... FROM INFILE 'path' FORMAT Values`. Inline data after the format is
 * dropped (the caller wrote it into the file).
 */
export function insertFromFile(text: string, info: StatementInfo, fileLiteral: string): string {
  if (!info.takesData || info.infileAt < 0) throw new Error('insertFromFile: not an INSERT that takes data');
  const head = text.slice(0, info.infileAt).trimEnd();
  if (info.valuesAt !== null) {
    const middle = text.slice(info.infileAt, info.valuesAt.start).trim();
    return `${head} FROM INFILE ${fileLiteral}${middle === '' ? '' : ` ${middle}`} FORMAT Values`;
  }
  const tail = text.slice(info.infileAt, info.dataStart).trimEnd();
  return `${head} FROM INFILE ${fileLiteral} ${tail}`;
}
