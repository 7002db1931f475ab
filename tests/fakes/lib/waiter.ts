/**
 * Waiting for an exact event in a fake server (a message sent, a span received): `until` looks
 * again each time `wake` is called (the server calls it on every request it answers), and fails
 * after `timeoutMs` with what it saw instead. No polling interval, no fixed sleep.
 */
export function createWaiter() {
  const watchers = new Set<() => void>();
  return {
    wake: () => {
      for (const wake of watchers) wake();
    },
    async until<T>(find: () => T | undefined, timeoutMs: number, saw: () => string): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = find();
        if (found !== undefined) return found;
        if (Date.now() > deadline)
          throw new Error(`nothing matched within ${timeoutMs} ms; ${saw()}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            watchers.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, Math.max(0, deadline - Date.now()) + 1);
          watchers.add(wake);
        });
      }
    },
  };
}
