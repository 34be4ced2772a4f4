/**
 * Webhook delivery: POST the notification JSON with undici, each attempt under
 * the target's timeout (connect, send, and the whole response), retried with
 * exponential backoff when the failure is retriable. Returns a result, never
 * throws:
 *
 *   2xx                                  → sent
 *   timeout, connection error, 408, 425,
 *   429, 5xx                             → retried (up to `retries` more attempts)
 *   any other status                     → failed at once (the receiver refused it)
 *   shutdown (the queue's signal)        → failed, not retried
 *
 * Headers: content-type application/json, X-Darkscope-Event (firing or
 * resolved), X-Darkscope-Delivery (one id for every attempt of a delivery),
 * and X-Darkscope-Signature when the target has a secret. The URL and the
 * secret are never logged or reported (a URL may carry a token).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import type { WebhookTarget } from './config.js';
import { SIGNATURE_HEADER, signBody } from './signature.js';

export type FailureReason = 'timeout' | 'network' | 'http_status' | 'queue_full' | 'shutdown';

export type DeliveryResult =
  | { readonly ok: true; readonly attempts: number; readonly ms: number; readonly status: number | null }
  | { readonly ok: false; readonly attempts: number; readonly ms: number; readonly reason: FailureReason; readonly error: string };

/** One failed attempt: what went wrong and when the next one starts (null: no more attempts). */
export interface AttemptFailure {
  readonly attempt: number;
  readonly reason: FailureReason;
  readonly error: string;
  readonly retryInMs: number | null;
}

export interface WebhookRequest {
  readonly body: string;
  readonly event: string;
  readonly deliveryId: string;
}

export interface WebhookOptions {
  readonly dispatcher: Dispatcher;
  /** Aborts an attempt in flight and the backoff wait (shutdown). */
  readonly signal: AbortSignal;
  readonly onAttemptFailed?: (f: AttemptFailure) => void;
}

/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 30_000;
const RETRIABLE_STATUS = new Set([408, 425, 429]);

export function backoffMs(target: WebhookTarget, retry: number): number {
  return Math.min(MAX_BACKOFF_MS, target.backoffMs * 2 ** (retry - 1));
}

export function webhookHeaders(target: WebhookTarget, req: WebhookRequest): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'darkscope-alerts',
    'x-darkscope-event': req.event,
    'x-darkscope-delivery': req.deliveryId,
  };
  if (target.secret !== null) h[SIGNATURE_HEADER] = signBody(target.secret, req.body);
  return h;
}

type Attempt = { ok: true; status: number } | { ok: false; reason: FailureReason; retriable: boolean; error: string };

async function attempt(target: WebhookTarget, req: WebhookRequest, headers: Record<string, string>, o: WebhookOptions): Promise<Attempt> {
  const timeout = AbortSignal.timeout(target.timeoutMs);
  const signal = AbortSignal.any([o.signal, timeout]);
  try {
    const res = await request(target.url, { method: 'POST', body: req.body, headers, dispatcher: o.dispatcher, signal });
    await res.body.dump({ limit: 65_536, signal });
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
    const retriable = res.statusCode >= 500 || RETRIABLE_STATUS.has(res.statusCode);
    return { ok: false, reason: 'http_status', retriable, error: `HTTP ${res.statusCode}` };
  } catch (e) {
    if (o.signal.aborted) return { ok: false, reason: 'shutdown', retriable: false, error: 'aborted at shutdown' };
    if (timeout.aborted) return { ok: false, reason: 'timeout', retriable: true, error: `no complete answer within ${target.timeoutMs} ms` };
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const code = err.code ?? err.cause?.code;
    return { ok: false, reason: 'network', retriable: true, error: code ?? (err.message || 'connection failed') };
  }
}

export async function postWebhook(target: WebhookTarget, req: WebhookRequest, o: WebhookOptions): Promise<DeliveryResult> {
  const start = performance.now();
  const headers = webhookHeaders(target, req);
  const ms = () => Math.round(performance.now() - start);
  for (let n = 1; ; n++) {
    const r = await attempt(target, req, headers, o);
    if (r.ok) return { ok: true, attempts: n, ms: ms(), status: r.status };
    const retry = r.retriable && n <= target.retries;
    const wait = retry ? backoffMs(target, n) : null;
    o.onAttemptFailed?.({ attempt: n, reason: r.reason, error: r.error, retryInMs: wait });
    if (wait === null) return { ok: false, attempts: n, ms: ms(), reason: r.reason, error: r.error };
    try {
      await sleep(wait, undefined, { signal: o.signal });
    } catch {
      return { ok: false, attempts: n, ms: ms(), reason: 'shutdown', error: 'aborted at shutdown while waiting to retry' };
    }
  }
}
