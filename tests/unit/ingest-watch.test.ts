/**
 * The pure parts of `ingest --watch`: when a file is ready (readiness.ts),
 * what --after does with it (after-action.ts, on temporary files), and the
 * observer fan-out its displays and metrics hang off.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAfterAction } from '../../src/config.js';
import { listDirectory, nameOrder } from '../../src/ingest/input/directory-listing.js';
import { fanOut } from '../../src/ingest/observers.js';
import { applyAfterAction, prepareAfterAction } from '../../src/ingest/watch/after-action.js';
import { readiness, SETTLE_MS, type SeenFile } from '../../src/ingest/watch/readiness.js';

const QUIET = 30_000;
const f = (name: string, size: number, mtimeMs: number, changedAtMs = mtimeMs): SeenFile => ({ name, size, mtimeMs, changedAtMs });

describe('readiness of a followed file', () => {
  it('waits for a file the writer is still on, until it has been quiet for the quiet time', () => {
    const a = f('cap-1.pcap', 1000, 10_000);
    expect(readiness(a, [a], 10_500, QUIET)).toEqual({ ready: false, final: false, wakeAtMs: 40_000 });
    expect(readiness(a, [a], 40_000, QUIET)).toEqual({ ready: true, final: true, wakeAtMs: null });
  });

  it('takes a file once the writer has moved on to a newer one and it has settled, but not as final', () => {
    const a = f('cap-1.pcap', 1000, 10_000);
    const b = f('cap-2.pcap', 24, 10_200);
    expect(readiness(a, [a, b], 10_300, QUIET)).toEqual({ ready: false, final: false, wakeAtMs: 10_000 + SETTLE_MS });
    expect(readiness(a, [a, b], 10_000 + SETTLE_MS, QUIET)).toEqual({ ready: true, final: false, wakeAtMs: null });
    // The newer file itself is still being written.
    expect(readiness(b, [a, b], 10_000 + SETTLE_MS, QUIET).ready).toBe(false);
  });

  it('dates a change seen by a listing no earlier than the listing (a lagging network clock)', () => {
    const a = f('cap-1.pcap', 2000, 5_000, 12_000);
    expect(readiness(a, [a], 5_000 + QUIET, QUIET).ready).toBe(false);
    expect(readiness(a, [a], 12_000 + QUIET, QUIET).ready).toBe(true);
  });

  it('does not take an empty file because another one changed later', () => {
    const a = f('cap-1.pcap', 0, 10_000);
    const b = f('cap-2.pcap', 500, 11_000);
    expect(readiness(a, [a, b], 20_000, QUIET).ready).toBe(false);
  });

  it('orders rotated names numerically', () => {
    expect(['cap.pcap10', 'cap.pcap2', 'cap.pcap1'].sort(nameOrder.compare)).toEqual(['cap.pcap1', 'cap.pcap2', 'cap.pcap10']);
  });
});

describe('--after', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'darkscope-after-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('parses keep, delete and move:DIR with an exact message otherwise', () => {
    expect(parseAfterAction('keep')).toEqual({ kind: 'keep' });
    expect(parseAfterAction('delete')).toEqual({ kind: 'delete' });
    expect(parseAfterAction('move:/var/done')).toEqual({ kind: 'move', dir: '/var/done' });
    expect(() => parseAfterAction('move:')).toThrow('"--after" value "move:" must be keep, delete or move:DIR (e.g. move:/var/spool/darknet/done)');
    expect(() => parseAfterAction('remove', 'DARKSCOPE_AFTER')).toThrow('"DARKSCOPE_AFTER" value "remove" must be keep');
  });

  it('moves a file, keeping its name and never overwriting one already there', async () => {
    const done = join(dir, 'done');
    await prepareAfterAction({ kind: 'move', dir: done });
    await writeFile(join(done, 'cap-1.pcap'), 'earlier');
    await writeFile(join(dir, 'cap-1.pcap'), 'now');
    const target = await applyAfterAction({ kind: 'move', dir: done }, join(dir, 'cap-1.pcap'));
    expect(target).toBe(join(done, 'cap-1.pcap.1'));
    expect((await readdir(done)).sort()).toEqual(['cap-1.pcap', 'cap-1.pcap.1']);
    expect((await listDirectory(dir)).map((x) => x.name)).toEqual([]);
  });

  it('deletes a file, and keep leaves it alone', async () => {
    await writeFile(join(dir, 'a.pcap'), 'x');
    await writeFile(join(dir, 'b.pcap'), 'y');
    expect(await applyAfterAction({ kind: 'keep' }, join(dir, 'a.pcap'))).toBeNull();
    expect(await applyAfterAction({ kind: 'delete' }, join(dir, 'b.pcap'))).toBeNull();
    expect((await listDirectory(dir)).map((x) => x.name)).toEqual(['a.pcap']);
  });

  it('lists regular files only, without dot files', async () => {
    await writeFile(join(dir, '.partial.pcap'), 'x');
    await writeFile(join(dir, 'z.pcap'), 'abc');
    await prepareAfterAction({ kind: 'move', dir: join(dir, 'sub') });
    const l = await listDirectory(dir);
    expect(l.map((x) => [x.name, x.size])).toEqual([['z.pcap', 3]]);
    await expect(listDirectory(join(dir, 'missing'))).rejects.toMatchObject({ code: 'DARKSCOPE_E_INPUT_NOT_FOUND' });
  });
});

describe('fanOut', () => {
  it('calls each observer that has the hook, in order, and hides hooks none has', () => {
    const calls: string[] = [];
    type O = { a?(x: number): void; b?(): void };
    const o = fanOut<O>({ a: (x) => calls.push(`1a${x}`) }, undefined, { a: (x) => calls.push(`2a${x}`), b: () => calls.push('2b') }, {});
    o.a?.(7);
    o.b?.();
    expect(calls).toEqual(['1a7', '2a7', '2b']);
    expect(fanOut<O>({}).a).toBeUndefined();
  });
});
