// One fake tool call being served: which host it runs on, what it has written, and whether its
// caller is still there. Every fake tool reads this instead of process-wide state, so one
// server can run many calls, on many fake hosts, at once.
import { AsyncLocalStorage } from "node:async_hooks";

const current = new AsyncLocalStorage();

/** The caller went away (killed, or timed out): the call stops where it is, like a killed tool. */
export class CallerGone extends Error {}

/**
 * Runs fn inside an invocation on host `dir`; `signal` aborts when the caller disconnects;
 * `callerPid` is the client process, in whose mount namespace a fake that really mounts mounts.
 */
export function invoke(dir, signal, callerPid, fn) {
  return current.run({ dir, signal, callerPid, stdout: [], stderr: [] }, fn);
}

export function invocation() {
  const call = current.getStore();
  if (!call) throw new Error("fake host: not inside a fake tool call");
  return call;
}

/** The host directory of the current call, if any. */
export const currentHostDir = () => current.getStore()?.dir;
