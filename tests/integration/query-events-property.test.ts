/**
 * Property: the scan events and DoS attacks darkscope assembles from its
 * per-minute activity rows (activity_1m, computed from the stored raw packets
 * by the event query) equal the events a single pass over the same packets
 * finds (tests/helpers/event-traffic.ts),
 * for random traffic cut into random files and random batch sizes, crossing
 * midnight (a partition boundary) and gaps just under and over the expiry.
 * Each run ingests under a sensor of its own in one database.
 *
 * Seed: DARKSCOPE_TEST_SEED (default below); fast-check prints the failing
 * case and its seed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { dosAttacks } from '../../src/query/dos-attacks.js';
import { queryContext, withoutCache, type QueryContext } from '../../src/query/runner.js';
import { scanEvents } from '../../src/query/scan-events.js';
import { migrate } from '../../src/store/migrate.js';
import { nth, oracleDos, oracleScans, SYN, SYN_ACK, writeProbeFiles, type OracleEvent, type Probe } from '../helpers/event-traffic.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { ingestFiles } from './helpers/in-process-ingest.js';
import { tempDir, type TempDir } from './helpers/ingest.js';
import { dayStart } from './helpers/packets.js';

const SEED = Number(process.env.DARKSCOPE_TEST_SEED ?? 20241207);
const START = dayStart('2024-07-01') - 40 * 60; // 23:20 the day before: events cross midnight
const RANGE = { from: dayStart('2024-06-30'), to: dayStart('2024-07-02') };
const SCAN = { expiry: 120, minAddresses: 4, strobeMinPorts: 2, verticalMinPorts: 3 };
const DOS = { timeout: 120, minPackets: 3, minDuration: 0, minPeakPerMinute: 2 };
const SCANNERS = ['203.0.113.1', '203.0.113.2', '203.0.113.3'];
const VICTIMS = ['192.0.2.10', '192.0.2.11'];
const PORTS = [22, 23, 80, 443];

let db: TestDatabase;
let dir: TempDir;
let ctx: QueryContext;
let run = 0;
/** Events found over all runs: the property must not hold vacuously. */
let found = { scans: 0, attacks: 0, multiPort: 0 };

beforeAll(async () => {
  db = await freshDatabase('events_property', { create: false });
  await migrate(db.store);
  dir = await tempDir('events-property');
  ctx = withoutCache(queryContext(loadConfig({}), db.store, { now: () => RANGE.to + 86_400 }));
}, 120_000);

afterAll(async () => {
  await db?.dispose();
  await dir?.remove();
});

const step = fc.record({
  // Mostly close together, sometimes a gap just around the 120 s expiry, sometimes a long one.
  gap: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 10 }), weight: 12 },
    { arbitrary: fc.integer({ min: 110, max: 130 }), weight: 1 },
    { arbitrary: fc.integer({ min: 200, max: 900 }), weight: 1 },
  ),
  who: fc.integer({ min: 0, max: SCANNERS.length + VICTIMS.length - 1 }),
  dst: fc.integer({ min: 0, max: 11 }),
  port: fc.constantFrom(...PORTS),
});

function toProbes(steps: ReadonlyArray<{ gap: number; who: number; dst: number; port: number }>): Probe[] {
  let t = START;
  return steps.map((s, i) => {
    t += s.gap;
    const dst = nth('198.18.0.0', s.dst);
    if (s.who < SCANNERS.length) return { ts: t, usec: i, src: SCANNERS[s.who]!, dst, proto: 'tcp', dport: s.port, flags: SYN };
    return { ts: t, usec: i, src: VICTIMS[s.who - SCANNERS.length]!, dst, proto: 'tcp', sport: s.port, dport: 40_000 + i, flags: SYN_ACK };
  });
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const inRange = (e: OracleEvent) => e.start >= RANGE.from && e.start < RANGE.to;
const key = (xs: unknown[][]) => xs.map((x) => JSON.stringify(x)).sort();

describe('events at ingest equal events from one pass over the packets', () => {
  it('for random traffic cut into random files and batches', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(step, { minLength: 40, maxLength: 300 }),
      fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 4 }),
      fc.integer({ min: 1, max: 40 }),
      async (steps, cuts, batchRows) => {
        const sensor = `p${run++}`;
        const probes = toProbes(steps);
        const files = await writeProbeFiles(dir.path, sensor, probes, cuts);
        await ingestFiles(db.store, files, { sensor, batchRows });

        const scans = await scanEvents(ctx, {
          range: RANGE, filters: { sensor }, expirySec: SCAN.expiry, minAddresses: SCAN.minAddresses,
          strobeMinPorts: SCAN.strobeMinPorts, verticalMinPorts: SCAN.verticalMinPorts, limit: 10_000,
        });
        const o = oracleScans(probes, SCAN);
        found = { scans: found.scans + scans.events.length, attacks: found.attacks, multiPort: found.multiPort + scans.events.filter((e) => e.type !== 'horizontal').length };
        const expected = [
          ...o.horizontal.filter(inRange).map((e) => ['horizontal', e]),
          ...o.strobe.filter(inRange).map((e) => ['strobe', e]),
          ...o.vertical.filter(inRange).map((e) => ['vertical', e]),
        ] as Array<[string, OracleEvent]>;
        expect(key(scans.events.map((e) => [e.type, e.source, e.ports, e.start, e.end, e.packets, e.addresses])))
          .toEqual(key(expected.map(([type, e]) => [type, e.source, e.ports, iso(e.start), iso(e.end), e.packets, e.addresses])));

        const dos = await dosAttacks(ctx, {
          range: RANGE, filters: { sensor }, timeoutSec: DOS.timeout, minPackets: DOS.minPackets, minDurationSec: DOS.minDuration,
          minPeakPerMinute: DOS.minPeakPerMinute, limit: 10_000,
        });
        expect(key(dos.attacks.map((a) => [a.victim, a.ports, a.start, a.end, a.packets, a.addresses, a.peakRate * 60])))
          .toEqual(key(oracleDos(probes, DOS).filter(inRange).map((e) => [e.source, e.ports, iso(e.start), iso(e.end), e.packets, e.addresses, e.peakMinute])));
        found = { ...found, attacks: found.attacks + dos.attacks.length };
      },
    ), { numRuns: 8, seed: SEED, endOnFailure: true });
    expect(found.scans).toBeGreaterThan(5);
    expect(found.multiPort).toBeGreaterThan(0);
    expect(found.attacks).toBeGreaterThan(5);
  }, 600_000);
});
