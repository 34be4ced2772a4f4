/**
 * Webhook signatures and headers: HMAC-SHA256 of the raw body, checked
 * against an independent computation and a published test vector; the
 * headers a delivery carries with and without a secret.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseAlertsConfig, type WebhookTarget } from '../../src/alerts/config.js';
import { SIGNATURE_HEADER, signBody, verifySignature } from '../../src/alerts/signature.js';
import { backoffMs, webhookHeaders } from '../../src/alerts/webhook.js';

const SECRET = 'darkscope-test-secret-0123456789';

describe('signBody / verifySignature', () => {
  it('is sha256=<hex HMAC-SHA256 of the raw body>', () => {
    const body = '{"version":1,"event":"firing","alert":{"id":"port-spike:23/tcp"}}';
    const expected = createHmac('sha256', SECRET).update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signBody(SECRET, body)).toBe(`sha256=${expected}`);
    expect(signBody(SECRET, Buffer.from(body))).toBe(`sha256=${expected}`);
  });

  it('matches RFC 4231 test case 2', () => {
    expect(signBody('Jefe', 'what do ya want for nothing?')).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('verifies the exact bytes only', () => {
    const body = '{"a":1}';
    const sig = signBody(SECRET, body);
    expect(verifySignature(SECRET, body, sig)).toBe(true);
    expect(verifySignature(SECRET, '{"a": 1}', sig)).toBe(false);
    expect(verifySignature(`${SECRET}x`, body, sig)).toBe(false);
    expect(verifySignature(SECRET, body, sig.toUpperCase())).toBe(false);
    expect(verifySignature(SECRET, body, undefined)).toBe(false);
    expect(verifySignature(SECRET, body, 'sha256=abc')).toBe(false);
  });
});

describe('webhook headers and backoff', () => {
  const config = parseAlertsConfig(`
targets:
  - {name: signed, type: webhook, url: "http://127.0.0.1:9/", secret: "${SECRET}", backoff: 200ms, retries: 10}
  - {name: plain, type: webhook, url: "http://127.0.0.1:9/"}
rules: [{name: r, kind: spike}]
`, 'alerts.yaml');
  const [signed, plain] = config.targets as WebhookTarget[];
  const req = { body: '{"x":1}', event: 'firing', deliveryId: 'd-1' };

  it('carries the event, the delivery id and, with a secret, the signature', () => {
    expect(webhookHeaders(signed, req)).toEqual({
      'content-type': 'application/json', 'user-agent': 'darkscope-alerts', 'x-darkscope-event': 'firing', 'x-darkscope-delivery': 'd-1',
      [SIGNATURE_HEADER]: signBody(SECRET, req.body),
    });
    expect(webhookHeaders(plain, req)).not.toHaveProperty(SIGNATURE_HEADER);
  });

  it('backs off exponentially, at most 30 s', () => {
    expect([1, 2, 3, 4, 8, 9].map((n) => backoffMs(signed, n))).toEqual([200, 400, 800, 1_600, 25_600, 30_000]);
  });
});
