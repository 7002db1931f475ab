// Vitest global set-up: the tests' temporary files (state directories, fake hosts, SQLite files)
// go to a tmpfs when the machine has one that allows executables (the fakes' bin/ runs from
// there). On this project's VM disk every fsync and unlink of the suite's thousands of small
// files waits on ext4's journal: a tmpfs measured 17 s → 11 s for tests/host/workloads/create.
// Workers, and what they start, inherit TMPDIR; os.tmpdir() reads it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const SHM = "/dev/shm";

export function setup() {
  const root = tmpfsRoot();
  if (root === undefined) return;
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}

/** A fresh directory on /dev/shm if it is a tmpfs mounted with exec and we may write there. */
function tmpfsRoot(): string | undefined {
  const mount = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .findLast(([, point]) => point === SHM);
  if (!mount || mount[2] !== "tmpfs" || (mount[3] ?? "").split(",").includes("noexec"))
    return undefined;
  try {
    return mkdtempSync(join(SHM, "voxnix-tests-"));
  } catch {
    return undefined;
  }
}
