/**
 * Several observers as one: the progress display, the logs and the metrics
 * each subscribe to the same pipeline and watcher events.
 */
type Hooks = Record<string, ((...args: never[]) => void) | undefined>;

/** An observer that calls, in order, the same hook of every given observer that has it. */
export function fanOut<T extends object>(...observers: ReadonlyArray<T | undefined>): T {
  const list = observers.filter((o): o is T => o !== undefined) as unknown as Hooks[];
  return new Proxy({} as T, {
    get(_target, key: string | symbol) {
      if (typeof key !== 'string' || !list.some((o) => typeof o[key] === 'function')) return undefined;
      return (...args: never[]) => {
        for (const o of list) o[key]?.call(o, ...args);
      };
    },
  });
}
