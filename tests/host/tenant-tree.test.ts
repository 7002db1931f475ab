// A tenant's tree read from the host by directory handles (src/host/tenant-tree.ts), on real
// files: links, FIFOs and device nodes planted and swapped in by a real process, opens seen by
// inotify, a directory of 300,000 entries, and a process out of file descriptors.
import { execa } from "execa";
import { execFileSync } from "node:child_process";
import {
  accessSync,
  constants,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { openTenantTree, type TreeLimits } from "../../src/host/tenant-tree.js";
import { findUnpushedWork, UNPUSHED_SCAN_LIMITS } from "../../src/host/unpushed-work.js";
import { locateOnPath } from "../../src/host/locate.js";
import { tempDir } from "../support/temp-dir.js";
import { hasPythonCtypes, holdWriteLease, startSwapping, watchOpens } from "./tenant-tripwire.js";

const LIMITS: TreeLimits = {
  ms: 10_000,
  reads: 1_000_000,
  entries: 1_000_000,
  entriesPerDirectory: 100_000,
  bytes: 1024 ** 3,
};
const asRoot = process.getuid?.() === 0;
const hasPrlimit = locateOnPath("prlimit", process.env.PATH ?? "") !== undefined;

/** Opens a tree for the test and closes it when the test ends. */
async function tree(root: string, limits: Partial<TreeLimits> = {}) {
  const opened = await openTenantTree(root, { ...LIMITS, ...limits });
  if (!opened) throw new Error(`${root} is not a directory`);
  onTestFinished(() => opened.close());
  return opened;
}

const text = (buffer: Buffer | undefined) => buffer?.toString("utf8");
/** This process's descriptors open on `dir` or below (other tests' pipes and sockets aside). */
function openUnder(path: string): number {
  const dir = realpathSync(path); // what the kernel reports, were TMPDIR a link
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target === dir || target.startsWith(`${dir}/`)) count++;
    } catch {
      // closed since it was listed
    }
  }
  return count;
}

/** A tmpfs directory when there is one: 300,000 entries are made and removed faster there. */
function scratchDir() {
  let base = tmpdir();
  try {
    accessSync("/dev/shm", constants.W_OK);
    base = "/dev/shm";
  } catch {
    // the test temp dir will do
  }
  const dir = mkdtempSync(join(base, "voxnix-tree-"));
  // rm(1) unlinks 300,000 names several times faster than fs.rmSync; on a busy machine either
  // takes longer than the default hook timeout.
  onTestFinished(() => void execFileSync("rm", ["-rf", "--", dir]), 120_000);
  return dir;
}

/** A repository as git lays it out, by hand: one branch, no remote, so a scan reports it. */
function handMadeRepo(path: string) {
  mkdirSync(join(path, ".git", "refs", "heads"), { recursive: true });
  writeFileSync(join(path, ".git", "HEAD"), "ref: refs/heads/main\n");
  writeFileSync(join(path, ".git", "refs", "heads", "main"), `${"c".repeat(40)}\n`);
}

describe("tenant tree", () => {
  it("reads files and lists directories below its root, by plain names only", async () => {
    const root = tempDir();
    mkdirSync(join(root, "a", "b"), { recursive: true });
    writeFileSync(join(root, "a", "b", "c.txt"), "c");
    writeFileSync(join(root, "top"), "top");
    const t = await tree(root);

    expect(text(await t.read(t.root, "a/b/c.txt", 10))).toBe("c");
    expect(text(await t.read(t.root, "top", 10))).toBe("top");
    expect(await t.read(t.root, "top", 2)).toBeUndefined(); // bigger than asked for
    expect(await t.read(t.root, "a/b", 10)).toBeUndefined();
    expect(await t.within(t.root, "a/b/c.txt", async () => "entered")).toBeUndefined();
    expect(await t.within(t.root, "a/b", (dir) => t.list(dir))).toEqual([
      { name: "c.txt", kind: "file" },
    ]);
    expect((await t.list(t.root)).sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { name: "a", kind: "directory" },
      { name: "top", kind: "file" },
    ]);
    for (const path of ["../top", "a/../top", "/top", "a//b", "."])
      await expect(t.read(t.root, path, 10)).rejects.toThrow(/plain names/);
    expect(t.incomplete).toBe(false);
  });

  it.skipIf(!hasPythonCtypes)(
    "reads links, FIFOs and device nodes as absent and opens none of them (needs python3)",
    async () => {
      const dir = tempDir();
      const root = join(dir, "workspace");
      const outside = join(dir, "outside");
      mkdirSync(join(root, "inside"), { recursive: true });
      mkdirSync(outside);
      writeFileSync(join(root, "inside", "file"), "inside");
      writeFileSync(join(outside, "file"), "outside");
      writeFileSync(join(outside, "sentinel"), "");
      const fifo = join(root, "fifo");
      execFileSync("mkfifo", [fifo]);
      symlinkSync(join(outside, "file"), join(root, "to-file"));
      symlinkSync(outside, join(root, "to-outside"));
      symlinkSync("inside", join(root, "to-inside")); // a link is refused even to its own tree
      symlinkSync("/dev/null", join(root, "to-null"));
      symlinkSync("to-loop", join(root, "to-loop"));
      const watched = [outside, fifo];
      // A device node only root can make; 1:3 is the null device, harmless had it been opened.
      const device = join(root, "device");
      if (asRoot) {
        execFileSync("mknod", [device, "c", "1", "3"]);
        watched.push(device);
      }
      const opened = await watchOpens(watched, join(outside, "sentinel"));
      const t = await tree(root);

      const absent = ["fifo", "device", "to-file", "to-outside", "to-null", "to-loop"];
      for (const name of absent) expect(await t.read(t.root, name, 1024), name).toBeUndefined();
      for (const path of ["to-outside/file", "to-inside/file", "fifo/x", "to-loop/x"])
        expect(await t.read(t.root, path, 1024), path).toBeUndefined();
      for (const name of [...absent, "to-inside"])
        expect(await t.within(t.root, name, async () => "entered"), name).toBeUndefined();
      expect(text(await t.read(t.root, "inside/file", 1024))).toBe("inside");
      const kinds = Object.fromEntries((await t.list(t.root)).map((e) => [e.name, e.kind]));
      expect(kinds).toMatchObject({ inside: "directory", fifo: "other", "to-outside": "other" });

      expect(await opened.settle()).toEqual([]);
      expect(t.incomplete).toBe(false);
    },
  );

  it.skipIf(!hasPythonCtypes)(
    "reads a file swapped for a FIFO, or a directory for a link, as what it was or as absent (needs python3)",
    async () => {
      const dir = tempDir();
      const root = join(dir, "workspace");
      const outside = join(dir, "outside");
      mkdirSync(join(root, "dir"), { recursive: true });
      mkdirSync(outside);
      writeFileSync(join(root, "ref"), "inside");
      writeFileSync(join(root, "dir", "inner"), "inside");
      writeFileSync(join(outside, "inner"), "outside");
      writeFileSync(join(outside, "sentinel"), "");
      const fifo = join(root, ".fifo");
      execFileSync("mkfifo", [fifo]);
      symlinkSync(outside, join(root, ".link"));
      const opened = await watchOpens([outside, fifo], join(outside, "sentinel"));
      const swapper = await startSwapping([
        [join(root, "ref"), fifo],
        [join(root, "dir"), join(root, ".link")],
      ]);

      const seen = { ref: new Set<string>(), inner: new Set<string>(), listed: new Set<string>() };
      let rounds = 0;
      const until = Date.now() + 2_000;
      while (Date.now() < until) {
        const t = await tree(root);
        seen.ref.add(String(text(await t.read(t.root, "ref", 1024))));
        seen.inner.add(String(text(await t.read(t.root, "dir/inner", 1024))));
        for (const entry of (await t.within(t.root, "dir", (d) => t.list(d))) ?? [])
          seen.listed.add(entry.name);
        await t.close();
        rounds++;
      }
      const swaps = await swapper.stop();

      expect(await opened.settle()).toEqual([]);
      expect(swaps).toBeGreaterThan(100);
      expect(rounds).toBeGreaterThan(10);
      // What was read is the tenant's file, or nothing; never the FIFO, never the outside.
      expect([...seen.ref].filter((s) => s !== "undefined")).toEqual(["inside"]);
      expect([...seen.inner].filter((s) => s !== "undefined")).toEqual(["inside"]);
      expect([...seen.listed]).toEqual(["inner"]);
    },
    30_000,
  );

  it.skipIf(!hasPythonCtypes)(
    "leaves a file under the tenant's write lease unread at once, and reads on (needs python3)",
    async () => {
      const root = tempDir();
      writeFileSync(join(root, "leased"), "leased");
      writeFileSync(join(root, "other"), "other");
      await holdWriteLease(join(root, "leased"));
      const t = await tree(root);

      // An open that waited would wait for the lease to break: 45 s, past this test's timeout.
      expect(await t.read(t.root, "leased", 100)).toBeUndefined();
      expect(t.incomplete).toBe(true);
      expect(text(await t.read(t.root, "other", 100))).toBe("other");
    },
  );

  it("stops inside a directory of 300,000 entries at its bounds, and the scan finishes incomplete", async () => {
    const workspace = scratchDir();
    const big = join(workspace, "big");
    mkdirSync(big);
    // Hard links: 300,000 names made in a second, where as many files take several (and a
    // file system caps the links to one inode, 65,000 on ext4).
    for (let f = 0; f < 10; f++) {
      const source = join(big, `f${f}`);
      writeFileSync(source, "");
      for (let i = 1; i < 30_000; i++) linkSync(source, join(big, `f${f}-${i}`));
    }
    handMadeRepo(join(workspace, "repo"));

    const t = await tree(workspace, { entriesPerDirectory: 1_000 });
    const listed = await t.within(t.root, "big", (dir) => t.list(dir));
    expect(listed).toHaveLength(1_000);
    expect(t.incomplete).toBe(true);
    await t.close();
    const small = await tree(workspace, { entries: 700 });
    expect(await small.within(small.root, "big", (dir) => small.list(dir))).toHaveLength(700);
    expect(small.incomplete).toBe(true);

    // With the scan's own limits: the big directory is cut at its bound, and the rest of the
    // workspace is still looked at.
    const report = await findUnpushedWork(workspace);
    expect(report.complete).toBe(false);
    expect(report.repos.map((r) => r.path)).toEqual(["repo"]);
  }, 120_000);

  it("stops at the tree's reads, bytes and time, and says it is incomplete", async () => {
    const root = tempDir();
    writeFileSync(join(root, "one"), "12345");
    writeFileSync(join(root, "two"), "1234567890");

    const reads = await tree(root, { reads: 1 });
    expect(text(await reads.read(reads.root, "one", 100))).toBe("12345");
    expect(await reads.read(reads.root, "one", 100)).toBeUndefined();
    expect(reads.incomplete).toBe(true);

    const bytes = await tree(root, { bytes: 8 });
    expect(text(await bytes.read(bytes.root, "one", 100))).toBe("12345");
    expect(await bytes.read(bytes.root, "two", 100)).toBeUndefined();
    expect(bytes.incomplete).toBe(true);

    const late = await tree(root, { ms: -1 });
    expect(await late.list(late.root)).toEqual([]);
    expect(await late.read(late.root, "one", 100)).toBeUndefined();
    expect(late.incomplete).toBe(true);
    expect(await findUnpushedWork(root, { ...UNPUSHED_SCAN_LIMITS, ms: -1 })).toEqual({
      repos: [],
      complete: false,
    });
  });

  it("gives back every handle as it goes, when a callback throws, and when the tree closes", async () => {
    const workspace = tempDir();
    handMadeRepo(join(workspace, "a", "repo"));
    mkdirSync(join(workspace, "a", "repo", ".git", "refs", "heads", "deep", "er"), {
      recursive: true,
    });
    execFileSync("mkfifo", [join(workspace, "a", "fifo")]);

    const t = await tree(workspace);
    expect(openUnder(workspace)).toBe(1); // the root
    expect(await t.read(t.root, "a/repo/.git/HEAD", 100)).toBeDefined();
    expect(await t.read(t.root, "a/fifo", 100)).toBeUndefined();
    expect(await t.read(t.root, "a/repo/.git/missing", 100)).toBeUndefined();
    expect(await t.read(t.root, "a/repo/.git/HEAD", 1)).toBeUndefined();
    await t.within(t.root, "a/repo/.git/refs/heads", (dir) => t.list(dir));
    await expect(
      t.within(t.root, "a/repo/.git/refs/heads/deep/er", async () => {
        throw new Error("cut short");
      }),
    ).rejects.toThrow("cut short");
    expect(openUnder(workspace)).toBe(1);
    await t.within(t.root, "a/repo/.git", async () => {
      expect(openUnder(workspace)).toBe(4); // the root, a, repo, .git
      await t.close(); // from inside: what is still open goes too
    });
    expect(openUnder(workspace)).toBe(0);

    expect((await findUnpushedWork(workspace)).repos).toHaveLength(1);
    await findUnpushedWork(workspace, { ...UNPUSHED_SCAN_LIMITS, reads: 4 });
    await findUnpushedWork(workspace, { ...UNPUSHED_SCAN_LIMITS, entries: 3 });
    expect(openUnder(workspace)).toBe(0);
  });

  it.skipIf(!hasPrlimit)(
    "says incomplete, not 'nothing here', when it runs out of file descriptors (needs prlimit)",
    async () => {
      const workspace = tempDir();
      handMadeRepo(join(workspace, "repo"));
      const FREE = 4;
      // A process of its own, with a low limit, holding every descriptor but FREE: the scan
      // runs out part-way through the repository, and must give back all it took.
      const script = `
        const { closeSync, openSync } = await import("node:fs");
        const { findUnpushedWork } = await import(process.env.SCAN);
        const held = [];
        try { for (;;) held.push(openSync("/dev/null", "r")); }
        catch (error) { if (error.code !== "EMFILE") throw error; }
        for (const fd of held.splice(-${FREE})) closeSync(fd);
        const report = await findUnpushedWork(process.env.WORKSPACE);
        let free = 0;
        try { for (; free <= ${FREE}; free++) held.push(openSync("/dev/null", "r")); } catch {}
        console.log(JSON.stringify({ report, free }));
      `;
      const result = await execa(
        "prlimit",
        [
          "--nofile=256:256",
          process.execPath,
          "--import",
          import.meta.resolve("tsx"),
          "--input-type=module",
          "-e",
          script,
        ],
        {
          env: {
            SCAN: new URL("../../src/host/unpushed-work.ts", import.meta.url).pathname,
            WORKSPACE: workspace,
          },
          timeout: 30_000,
        },
      );
      const { report, free } = JSON.parse(result.stdout) as { report: unknown; free: number };
      expect(report).toEqual({ repos: [], complete: false });
      // All it took is given back. One more can be free: the loader may close one of its own
      // meanwhile (seen on a loaded machine); fewer would be a leak.
      expect(free).toBeGreaterThanOrEqual(FREE);
      // The same workspace with descriptors to spare: there was something to find.
      expect((await findUnpushedWork(workspace)).repos.map((r) => r.path)).toEqual(["repo"]);
    },
    40_000,
  );

  it("rejects a workspace that is not there, and finds nothing in one that is not a directory", async () => {
    const dir = tempDir();
    await expect(findUnpushedWork(join(dir, "missing"))).rejects.toMatchObject({
      code: "ENOENT",
    });
    writeFileSync(join(dir, "file"), "");
    expect(await findUnpushedWork(join(dir, "file"))).toEqual({ repos: [], complete: true });
  });
});
