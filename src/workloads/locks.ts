/**
 * Serialises work per key: lifecycle operations on one container run one at a time, while
 * operations on other containers (and reads) are not held up. Entries are freed as chains drain.
 */
export function createKeyedLock() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(fn, fn);
      const tail = result.catch(() => {});
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}

/** At most `slots` holders at once, served in arrival order. Nix builds take one each. */
export function createSemaphore(slots: number) {
  let free = slots;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return {
    async run<T>(fn: () => Promise<T>, onQueued?: (position: number) => void): Promise<T> {
      if (free > 0) free--;
      else {
        onQueued?.(waiting.length + 1);
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}

export type KeyedLock = ReturnType<typeof createKeyedLock>;
export type Semaphore = ReturnType<typeof createSemaphore>;
