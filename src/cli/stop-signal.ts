/**
 * SIGINT / SIGTERM as a promise and an AbortSignal, for commands that stop
 * gracefully (serve, ingest). A second signal while stopping exits at once
 * (with 130 for SIGINT, 143 for SIGTERM), for a user who does not want to
 * wait for the batch in flight.
 */
import { once } from 'node:events';

export interface StopSignal {
  /** Resolves with the signal's name. */
  readonly promise: Promise<string>;
  /** Aborted when the first signal arrives. */
  readonly signal: AbortSignal;
  dispose(): void;
}

export function processStopSignal(opts: { forceOnSecond?: boolean } = {}): StopSignal {
  const listening = new AbortController();
  const stop = new AbortController();
  const promise = Promise.race([
    once(process, 'SIGINT', { signal: listening.signal }).then(() => 'SIGINT'),
    once(process, 'SIGTERM', { signal: listening.signal }).then(() => 'SIGTERM'),
  ]).catch(() => 'disposed');
  let forced: (() => void) | null = null;
  void promise.then((name) => {
    if (name === 'disposed') return;
    stop.abort(name);
    if (opts.forceOnSecond === true && !listening.signal.aborted) {
      const onInt = (): void => process.exit(130);
      const onTerm = (): void => process.exit(143);
      process.once('SIGINT', onInt);
      process.once('SIGTERM', onTerm);
      forced = () => {
        process.removeListener('SIGINT', onInt);
        process.removeListener('SIGTERM', onTerm);
      };
    }
  });
  return {
    promise,
    signal: stop.signal,
    dispose: () => {
      listening.abort();
      forced?.();
    },
  };
}
