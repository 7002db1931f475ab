/**
 * What `promise` settles to if it does so within `ms`, or undefined if it is still running then
 * (it keeps running; only the wait ends). A rejection inside the window is thrown; a later one
 * counts as handled, so whoever still awaits the promise decides what it means.
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
