/**
 * Webhook signatures: `X-Darkscope-Signature: sha256=<hex>`, the HMAC-SHA256
 * of the raw request body under the target's secret. A receiver recomputes it
 * over the bytes it received (before parsing the JSON) and compares in
 * constant time, as `verifySignature` does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-darkscope-signature';

export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `header` is the signature of `body` under `secret`. */
export function verifySignature(secret: string, body: string | Uint8Array, header: string | undefined): boolean {
  if (header === undefined || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  return timingSafeEqual(Buffer.from(signBody(secret, body)), Buffer.from(header));
}
