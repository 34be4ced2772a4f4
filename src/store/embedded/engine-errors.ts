/**
 * Errors as a ClickHouse server writes them over HTTP, so that
 * @clickhouse/client, curl users and darkscope's own error mapping
 * (src/store/client.ts) read the embedded engine's errors exactly as a
 * server's: the body `Code: N. DB::Exception: message. (NAME) (version V)`,
 * the X-ClickHouse-Exception-Code header, and the HTTP status the server
 * gives that code (ClickHouse's exceptionCodeToHTTPStatus; the codes were
 * read from the engine itself with errorCodeToName).
 */

/** ClickHouse error codes the engine raises itself. */
export const EngineErrorCode = Object.freeze({
  UNKNOWN_SETTING: 115,
  SYNTAX_ERROR: 62,
  NOT_IMPLEMENTED: 48,
  READONLY: 164,
  REQUIRED_PASSWORD: 194,
  AUTHENTICATION_FAILED: 516,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING: 216,
  CANNOT_WRITE_TO_FILE_DESCRIPTOR: 75,
  UNKNOWN_FORMAT: 73,
  BAD_ARGUMENTS: 36,
  UNKNOWN_EXCEPTION: 1002,
  QUERY_WAS_CANCELLED: 394,
  HTTP_LENGTH_REQUIRED: 381,
});

const NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(EngineErrorCode).map(([name, code]) => [code, name])),
);

const BAD_REQUEST = [36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62, 117, 53, 321];
const NOT_FOUND = [60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511];
const FORBIDDEN = [192, 193, 516, 512, 497];

const STATUS = new Map<number, number>([
  ...BAD_REQUEST.map((c) => [c, 400] as const),
  ...NOT_FOUND.map((c) => [c, 404] as const),
  ...FORBIDDEN.map((c) => [c, 403] as const),
  [194, 401], // REQUIRED_PASSWORD
  [229, 413], // QUERY_IS_TOO_LARGE
  [48, 501], // NOT_IMPLEMENTED
  [209, 503], // SOCKET_TIMEOUT
  [76, 503], // CANNOT_OPEN_FILE
  [439, 503], // CANNOT_SCHEDULE_TASK
  [381, 411], // HTTP_LENGTH_REQUIRED
  [159, 408], // TIMEOUT_EXCEEDED
  [779, 415], // UNSUPPORTED_MEDIA_TYPE
]);

/** The HTTP status a ClickHouse server answers with for an exception code. */
export function httpStatusForCode(code: number): number {
  return STATUS.get(code) ?? 500;
}

export class EngineError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface EngineFailure {
  readonly code: number;
  /** The full exception text, `Code: N. DB::Exception: ...`. */
  readonly text: string;
}

/** The engine's failure for anything thrown while running a request. */
export function failureOf(err: unknown, version: string): EngineFailure {
  if (err instanceof EngineError) {
    const name = NAMES[err.code] ?? 'UNKNOWN_EXCEPTION';
    return { code: err.code, text: `Code: ${err.code}. DB::Exception: ${err.message}. (${name}) (version ${version})` };
  }
  const message = err instanceof Error ? err.message : String(err);
  const m = /\bCode: (\d+)\. /.exec(message);
  if (m) return { code: Number(m[1]), text: `${message.trim()}${/\(version [^)]*\)$/.test(message.trim()) ? '' : ` (version ${version})`}` };
  return { code: EngineErrorCode.UNKNOWN_EXCEPTION, text: `Code: 1002. DB::Exception: ${message.replace(/\s+/g, ' ').trim()}. (UNKNOWN_EXCEPTION) (version ${version})` };
}
