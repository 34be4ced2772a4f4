/**
 * The per-target delivery queue (no network): one delivery at a time in
 * order, bounded (queue_full past capacity), every outcome written to the
 * history record, and close() draining for a bounded time before aborting.
 */
import { describe, expect, it } from 'vitest';
import { DeliveryQueue, type DeliveryJob, type DeliveryReport } from '../../src/alerts/delivery-queue.js';
import type { DeliveryRecord, HistoryEntry } from '../../src/alerts/history.js';
import type { DeliveryResult } from '../../src/alerts/webhook.js';

function job(n: number): DeliveryJob {
  const record: DeliveryRecord = { target: 't', type: 'webhook', status: 'pending', attempts: 0, reason: null };
  const entry = { seq: n, event: 'firing', alert: { id: `r:${n}/tcp` }, deliveries: [record] } as unknown as HistoryEntry;
  return { entry, record, body: `{"n":${n}}`, deliveryId: `d${n}` };
}

describe('DeliveryQueue', () => {
  it('delivers in order, one at a time, and records each outcome', async () => {
    const order: string[] = [];
    let active = 0;
    let maxActive = 0;
    const reports: DeliveryReport[] = [];
    const q = new DeliveryQueue({ name: 't', type: 'webhook' }, async (j) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      order.push(j.deliveryId);
      await new Promise((r) => setTimeout(r, 5));
      active -= 1;
      return j.deliveryId === 'd2'
        ? { ok: false, attempts: 4, ms: 5, reason: 'http_status', error: 'HTTP 500' }
        : { ok: true, attempts: 1, ms: 5, status: 200 };
    }, 10, (r) => reports.push(r));
    const jobs = [1, 2, 3].map(job);
    jobs.forEach((j) => q.enqueue(j));
    expect(q.pending).toBe(3);
    await q.idle();
    expect(order).toEqual(['d1', 'd2', 'd3']);
    expect(maxActive).toBe(1);
    expect(jobs.map((j) => j.record)).toEqual([
      { target: 't', type: 'webhook', status: 'sent', attempts: 1, reason: null },
      { target: 't', type: 'webhook', status: 'failed', attempts: 4, reason: 'http_status' },
      { target: 't', type: 'webhook', status: 'sent', attempts: 1, reason: null },
    ]);
    expect(reports.map((r) => [r.alertId, r.event, r.result.ok])).toEqual([['r:1/tcp', 'firing', true], ['r:2/tcp', 'firing', false], ['r:3/tcp', 'firing', true]]);
    await q.close(10);
  });

  it('past capacity a delivery fails at once (queue_full); close() aborts the one in flight and fails the waiting ones', async () => {
    const reports: DeliveryReport[] = [];
    const q = new DeliveryQueue({ name: 't', type: 'webhook' }, (_j, signal) => new Promise<DeliveryResult>((resolve) => {
      signal.addEventListener('abort', () => resolve({ ok: false, attempts: 1, ms: 0, reason: 'shutdown', error: 'aborted at shutdown' }));
    }), 1, (r) => reports.push(r));
    const [a, b, c] = [1, 2, 3].map(job);
    q.enqueue(a); // in flight (hangs)
    await new Promise((r) => setTimeout(r, 5));
    q.enqueue(b); // waiting
    q.enqueue(c); // over capacity
    expect(c.record).toMatchObject({ status: 'failed', attempts: 0, reason: 'queue_full' });
    const t = performance.now();
    await q.close(50);
    expect(performance.now() - t).toBeLessThan(1_000);
    expect([a, b].map((j) => [j.record.status, j.record.reason])).toEqual([['failed', 'shutdown'], ['failed', 'shutdown']]);
    expect(reports.map((r) => (r.result.ok ? 'ok' : r.result.reason))).toEqual(['queue_full', 'shutdown', 'shutdown']);
    q.enqueue(job(4));
    expect(reports.at(-1)!.result).toMatchObject({ ok: false, reason: 'shutdown' });
  });

  it('a sender that throws is a failed delivery, not a crash', async () => {
    const q = new DeliveryQueue({ name: 'l', type: 'log' }, async () => { throw new Error('boom'); }, 10, () => {});
    const j = job(1);
    q.enqueue(j);
    await q.idle();
    expect(j.record).toMatchObject({ status: 'failed', attempts: 1 });
    await q.close(10);
  });
});
