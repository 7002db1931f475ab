// Process groups of host commands still running. When the daemon exits (even on an uncaught
// error), they are killed with it rather than left running detached.

const liveGroups = new Set<number>();
/** Others that start commands whose groups this list may not know yet (spawn-helper.ts). */
const killers = new Set<() => void>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", killAllHostCommands);
}

export interface ProcessGroup {
  signal(signal: NodeJS.Signals): void;
  /** The command has ended: its group is no longer ours to kill. */
  release(): void;
}

/** Keeps the group led by `pid` on the list killed at exit, until it is released. */
export function trackGroup(pid: number): ProcessGroup {
  liveGroups.add(pid);
  installExitHook();
  return {
    signal: (signal) => signalGroup(pid, signal),
    release: () => liveGroups.delete(pid),
  };
}

/** Has `kill` (synchronous: it may run in an exit handler) called by killAllHostCommands too. */
export function alsoKillAll(kill: () => void): void {
  killers.add(kill);
  installExitHook();
}

/** Kills every host command still running, with its children. For shutdown. */
export function killAllHostCommands(): void {
  for (const kill of killers) kill();
  for (const pid of liveGroups) signalGroup(pid, "SIGKILL");
  liveGroups.clear();
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}
