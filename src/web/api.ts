/**
 * The web view's only way to data: GET requests to /api/v1 on the server
 * that served the page, with the bearer token when the user gave one.
 * Every failure becomes an ApiError carrying what the page shows: the API's
 * stable code, message and hint, or a plain account of a network failure.
 */
import type { ErrorBody } from './api-types.js';

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when no answer came at all. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The API refused the request for want of a (valid) token. */
  get needsToken(): boolean {
    return this.status === 401;
  }
}

/** The request URL: `path` (e.g. "summary") under `<page directory>api/v1/`. */
export function apiUrl(pageUrl: string, path: string, params: URLSearchParams): string {
  const u = new URL(`api/v1/${path}`, new URL('.', pageUrl));
  u.search = params.toString();
  return u.toString();
}

function isErrorBody(x: unknown): x is ErrorBody {
  if (typeof x !== 'object' || x === null || !('error' in x)) return false;
  const e = (x as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { message?: unknown }).message === 'string';
}

/** The ApiError for a non-2xx answer: darkscope's error body when there is one, else the status. */
export function errorFromResponse(status: number, statusText: string, body: string): ApiError {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    // not JSON: a proxy's or the browser's page
  }
  if (isErrorBody(parsed)) {
    const hint = typeof parsed.error.hint === 'string' ? parsed.error.hint : '';
    return new ApiError(status, parsed.error.code, parsed.error.message, hint);
  }
  return new ApiError(status, `HTTP_${status}`, `the server answered ${status}${statusText === '' ? '' : ` ${statusText}`} without a darkscope error body`,
    'Something between the browser and darkscope (a proxy?) answered instead; check that the page is served by `darkscope serve`.');
}

export function networkError(err: unknown): ApiError {
  const why = err instanceof Error ? err.message : String(err);
  return new ApiError(0, 'NETWORK', `the darkscope server did not answer (${why})`,
    'Check that `darkscope serve` is still running and reachable from this browser, then reload.');
}

export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export class ApiClient {
  constructor(
    private readonly pageUrl: () => string,
    readonly tokens: TokenStore,
    private readonly fetchFn: FetchFn = (input, init) => fetch(input, init),
  ) {}

  async get<T>(path: string, params: URLSearchParams, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.tokens.get();
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await this.fetchFn(apiUrl(this.pageUrl(), path, params), { headers, signal, cache: 'no-store' });
    } catch (err) {
      if (signal?.aborted === true) throw err;
      throw networkError(err);
    }
    const text = await res.text();
    if (!res.ok) throw errorFromResponse(res.status, res.statusText, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'BAD_ANSWER', `the answer to ${path} is not JSON`, 'Check that the page is served by `darkscope serve`.');
    }
  }
}
