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

export type Semaphore = ReturnType<typeof createSemaphore>;
