import { readFileSync } from "node:fs";

/**
 * Names one process for as long as it lives, and never another one after it: a pid alone is
 * reused, so the kernel's boot id and the process's start time (clock ticks since boot, field 22
 * of /proc/PID/stat, proc(5)) go with it. The daemon and the admin CLI run in the host's PID
 * namespace (the unit sets no PrivatePIDs=), so each can tell whether the other is still alive.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly bootId: string;
  readonly startTicks: number;
}

/** A holder that no process is: an operation its owner gave up so that reconcile finishes it. */
export const NO_PROCESS: ProcessIdentity = { pid: 0, bootId: "", startTicks: 0 };

let self: ProcessIdentity | undefined;

/** This process. */
export function currentProcess(): ProcessIdentity {
  self ??= identityOf(process.pid) ?? { pid: process.pid, bootId: bootId(), startTicks: 0 };
  return self;
}

/** A running process's identity, or undefined if there is no such process. */
export function identityOf(pid: number): ProcessIdentity | undefined {
  const startTicks = startTicksOf(pid);
  return startTicks === undefined ? undefined : { pid, bootId: bootId(), startTicks };
}

/**
 * Whether `holder` is still running: same boot, same pid, same start time. A zombie counts as
 * gone (it has exited; only its parent has not reaped it yet).
 */
export function isProcessAlive(holder: ProcessIdentity): boolean {
  if (holder.pid <= 0 || holder.bootId !== bootId()) return false;
  return startTicksOf(holder.pid) === holder.startTicks;
}

let boot: string | undefined;
function bootId(): string {
  boot ??= readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  return boot;
}

function startTicksOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z") return undefined;
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}
