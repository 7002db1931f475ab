import { readdirSync, readFileSync, readlinkSync } from "node:fs";

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
  // No fallback: an identity other processes cannot confirm would have them repair live work.
  self ??= identityOf(process.pid);
  if (!self) throw new Error(`cannot read /proc/${process.pid}/stat: leases need procfs`);
  return self;
}

/**
 * The environment variable every host command carries (the runner sets it), naming the process
 * that started it. Inherited by the command's children, so a command that outlives its process
 * (an admin CLI killed mid-build: a signal skips its exit hooks) can still be found.
 */
export const HOLDER_VARIABLE = "VOXNIX_HOLDER";
export const holderMark = (holder: ProcessIdentity) => `${holder.pid}:${holder.startTicks}`;

/**
 * The holder marks of every process still running host commands, read from /proc/PID/environ
 * (root reads them all). One pass over /proc, for a reconcile that has dead holders to judge.
 *
 * Any process can put the variable in its environment, a tenant's too (their processes are in
 * the host's /proc), and a mark that stays counted blocks its operation's repair for good. So
 * only a process that could be the daemon's or the CLI's command counts: one running as the
 * same user as this process (root, for the daemon) in its own user and PID namespaces. A container's processes are in
 * namespaces of their own (nspawn always makes a PID namespace; voxnix a user namespace), which
 * no one inside can leave.
 */
export function runningHostCommandMarks(): ReadonlySet<string> {
  const marks = new Set<string>();
  const prefix = `${HOLDER_VARIABLE}=`;
  const ours = namespacesOf("self");
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (!isOurKind(entry, ours)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "utf8");
    } catch {
      continue; // gone, or not ours to read
    }
    const variable = environ.split("\0").find((v) => v.startsWith(prefix));
    if (variable && startTicksOf(Number(entry)) !== undefined)
      marks.add(variable.slice(prefix.length));
  }
  return marks;
}

/** The user and PID namespaces of a process, as the kernel names them (`user:[4026531837]`). */
function namespacesOf(pid: string): string | undefined {
  try {
    return `${readlinkSync(`/proc/${pid}/ns/user`)} ${readlinkSync(`/proc/${pid}/ns/pid`)}`;
  } catch {
    return undefined;
  }
}

/** Runs as this process's user (real and effective), in the namespaces named `ours`. */
function isOurKind(pid: string, ours: string | undefined): boolean {
  if (ours === undefined || namespacesOf(pid) !== ours) return false;
  try {
    const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    const self = String(process.getuid?.());
    return uids?.[1] === self && uids[2] === self;
  } catch {
    return false;
  }
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
