/**
 * When a file in a followed directory is complete enough to read (pure, so
 * it is unit-tested without files or clocks).
 *
 * A capture writer (tcpdump -G/-C, a sensor's exporter, cp of a backlog
 * file) writes one file at a time. A file is ready when
 *   - the writer has moved on: another file of the directory was modified
 *     after it, and it has not changed for SETTLE_MS since; or
 *   - it is quiet: it has not changed for `quietMs` (a sensor that stopped,
 *     the last file of a backlog, a quiet darknet).
 * Only a quiet file is final: a file read because the writer moved on may
 * still get a late write (the read then stops at its last whole record and a
 * later read continues it; see ingest/file-continuation.ts), so actions that
 * cannot be undone (--after delete/move) wait for it to be final as well
 * when it ended in a cut record.
 */

/** How long a file must be unchanged before "the writer moved on" counts. */
export const SETTLE_MS = 1_000;

export interface SeenFile {
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
  /**
   * When it last changed: its mtime, or, when a listing saw it change, the
   * time of that listing if later (clocks of a network filesystem may lag).
   */
  readonly changedAtMs: number;
}

export interface Readiness {
  readonly ready: boolean;
  /** Quiet for the whole quiet time: no more writes are expected. */
  readonly final: boolean;
  /** When to look again if not ready (epoch ms); null when ready. */
  readonly wakeAtMs: number | null;
}

export function readiness(f: SeenFile, all: readonly SeenFile[], nowMs: number, quietMs: number): Readiness {
  const quietAt = f.changedAtMs + quietMs;
  if (nowMs >= quietAt) return { ready: true, final: true, wakeAtMs: null };
  // An empty file is one a writer has just created: wait for data or the quiet time.
  const movedOn = f.size > 0 && all.some((g) => g.name !== f.name && g.mtimeMs > f.mtimeMs);
  if (movedOn) {
    const settledAt = f.changedAtMs + Math.min(SETTLE_MS, quietMs);
    if (nowMs >= settledAt) return { ready: true, final: false, wakeAtMs: null };
    return { ready: false, final: false, wakeAtMs: settledAt };
  }
  return { ready: false, final: false, wakeAtMs: quietAt };
}
