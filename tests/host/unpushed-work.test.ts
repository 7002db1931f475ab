// Work that exists only in a workspace (issue 15), found by reading real repositories' files,
// never by running git in them: repositories here are made by real git, in the test. The scan
// races a real process that swaps the workspace's directories for links (tenant-tripwire.ts).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findUnpushedWork, UNPUSHED_SCAN_LIMITS } from "../../src/host/unpushed-work.js";
import { commit, git, hasGit } from "../support/git.js";
import { tempDir } from "../support/temp-dir.js";
import { hasPythonCtypes, startSwapping, watchOpens } from "./tenant-tripwire.js";

/** A bare "remote" with one commit, and a workspace to clone it into. */
function setup() {
  const dir = tempDir("voxnix-git-");
  const remote = join(dir, "remote.git");
  const seed = join(dir, "seed");
  mkdirSync(seed);
  git(seed, "init", "-q");
  commit(seed, "README");
  git(dir, "clone", "-q", "--bare", seed, remote);
  const workspace = join(dir, "workspace");
  mkdirSync(workspace);
  const clone = (path: string) => {
    git(workspace, "clone", "-q", remote, path);
    return join(workspace, path);
  };
  return { dir, remote, workspace, clone };
}

describe.skipIf(!hasGit)("unpushed work in a workspace", () => {
  it("reports nothing for repositories whose work is all pushed, or only behind", async () => {
    const { workspace, clone, dir } = setup();
    clone("src/pushed");
    const behind = clone("src/behind");
    const other = join(dir, "other");
    git(dir, "clone", "-q", join(dir, "remote.git"), other);
    commit(other, "newer");
    git(other, "push", "-q", "origin", "main");
    git(behind, "fetch", "-q");
    expect(await findUnpushedWork(workspace)).toEqual({ repos: [], complete: true });
  });

  it("names unpushed commits, branches never pushed, a detached HEAD and repos without a remote", async () => {
    const { workspace, clone } = setup();
    const ahead = clone("ahead");
    commit(ahead, "one");
    commit(ahead, "two");
    const feature = clone("projects/feature");
    git(feature, "checkout", "-qb", "wip");
    commit(feature, "wip");
    const detached = clone("detached");
    git(detached, "checkout", "-q", "--detach");
    commit(detached, "lost");
    const local = join(workspace, "notes");
    mkdirSync(local);
    git(local, "init", "-q");
    commit(local, "todo");

    const report = await findUnpushedWork(workspace);
    expect(report.complete).toBe(true);
    const byPath = Object.fromEntries(report.repos.map((r) => [r.path, r]));
    expect(Object.keys(byPath).sort()).toEqual(["ahead", "detached", "notes", "projects/feature"]);
    expect(byPath.ahead?.branches).toEqual([
      { name: "main", state: "ahead", commits: 2, upstream: "origin/main" },
    ]);
    expect(byPath["projects/feature"]?.branches).toEqual([{ name: "wip", state: "never-pushed" }]);
    expect(byPath.detached).toMatchObject({
      branches: [],
      detachedAt: expect.stringMatching(/^[0-9a-f]{7}$/),
    });
    expect(byPath.notes).toEqual({
      path: "notes",
      noRemote: true,
      branches: [{ name: "main", state: "never-pushed" }],
    });
  });

  it("reads packed refs, and says 'differs' when packed history hides how far", async () => {
    const { workspace, clone } = setup();
    const repo = clone("packed");
    commit(repo, "one");
    git(repo, "gc", "-q"); // every ref and object packed
    expect((await findUnpushedWork(workspace)).repos).toEqual([
      {
        path: "packed",
        noRemote: false,
        branches: [{ name: "main", state: "differs", upstream: "origin/main" }],
      },
    ]);
  });

  it("runs nothing the repository configures, and never reads through a link", async () => {
    const { workspace, clone, dir } = setup();
    const repo = clone("hostile");
    commit(repo, "one");
    const marker = join(dir, "ran");
    const script = join(dir, "hook.sh");
    writeFileSync(script, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    for (const hook of ["post-checkout", "pre-push", "reference-transaction", "post-index-change"])
      symlinkSync(script, join(repo, ".git", "hooks", hook));
    git(repo, "config", "core.fsmonitor", script);
    git(repo, "config", "alias.status", `!${script}`);
    git(repo, "config", "core.pager", script);
    // Refs outside the workspace, reached through a planted link: never read.
    const outside = join(dir, "outside");
    mkdirSync(join(outside, "heads"), { recursive: true });
    writeFileSync(join(outside, "heads", "stolen"), `${"a".repeat(40)}\n`);
    const planted = join(workspace, "planted");
    mkdirSync(join(planted, ".git"), { recursive: true });
    writeFileSync(join(planted, ".git", "HEAD"), "ref: refs/heads/stolen\n");
    symlinkSync(outside, join(planted, ".git", "refs"));
    // A link loop, a FIFO for a HEAD, and a .git that is a link: none of them may hang the scan.
    symlinkSync(".", join(workspace, "loop"));
    const fifo = join(workspace, "fifo");
    mkdirSync(join(fifo, ".git", "refs", "heads"), { recursive: true });
    execFileSync("mkfifo", [join(fifo, ".git", "HEAD")]);
    execFileSync("mkfifo", [join(fifo, ".git", "refs", "heads", "main")]);
    symlinkSync(repo, join(workspace, "linked"));

    const report = await findUnpushedWork(workspace);
    expect(report.repos.map((r) => r.path)).toEqual(["hostile"]);
    expect(existsSync(marker)).toBe(false);
  });

  it("stops at its limits and says the scan is incomplete", async () => {
    const { workspace, clone } = setup();
    commit(clone("a/b/c/d/e/deep"), "one");
    const shallow = await findUnpushedWork(workspace, { ...UNPUSHED_SCAN_LIMITS, depth: 3 });
    expect(shallow).toEqual({ repos: [], complete: false });
    const deeper = await findUnpushedWork(workspace, { ...UNPUSHED_SCAN_LIMITS, depth: 6 });
    expect(deeper.repos.map((r) => r.path)).toEqual(["a/b/c/d/e/deep"]);
  });

  it("stays within its budget against a repository built to be slow, wide and big", async () => {
    const { workspace, clone } = setup();
    const repo = clone("wide");
    const gitDir = join(repo, ".git");
    const origin = git(repo, "rev-parse", "origin/main").trim();
    // 32,000 packed branches, each on a chain of loose commits that never meets origin/main,
    // and every commit inflating to 900 KB: a walk per branch would read forever.
    const objects = join(gitDir, "objects");
    const looseCommit = (parent: string) => {
      const body = `tree ${"0".repeat(40)}\nparent ${parent}\nauthor a <a> 0 +0000\ncommitter a <a> 0 +0000\n\n${"x".repeat(900_000)}`;
      const raw = Buffer.concat([
        Buffer.from(`commit ${Buffer.byteLength(body)}\0`),
        Buffer.from(body),
      ]);
      const sha = createHash("sha1").update(raw).digest("hex");
      mkdirSync(join(objects, sha.slice(0, 2)), { recursive: true });
      writeFileSync(join(objects, sha.slice(0, 2), sha.slice(2)), deflateSync(raw));
      return sha;
    };
    let tip = "f".repeat(40);
    for (let i = 0; i < 300; i++) tip = looseCommit(tip);
    // Each branch's namesake on origin makes it its upstream, so every branch is walked.
    const heads = Array.from({ length: 32_000 }, (_, i) => `${tip} refs/heads/b${i}`);
    const remotes = Array.from({ length: 2_000 }, (_, i) => `${origin} refs/remotes/origin/b${i}`);
    writeFileSync(join(gitDir, "packed-refs"), `${[...heads, ...remotes].join("\n")}\n`);
    // A refs/ that leads out of the workspace, to a tree as big as /usr.
    const planted = join(workspace, "planted", ".git");
    mkdirSync(planted, { recursive: true });
    writeFileSync(join(planted, "HEAD"), "ref: refs/heads/main\n");
    symlinkSync("/usr", join(planted, "refs"));

    // The budget is 1 s; a scan that ignored it took minutes, past this test's timeout.
    const report = await findUnpushedWork(workspace, { ...UNPUSHED_SCAN_LIMITS, ms: 1_000 });
    expect(report.complete).toBe(false);
    const wide = report.repos.find((r) => r.path === "wide");
    expect(wide?.branches.length).toBeLessThanOrEqual(UNPUSHED_SCAN_LIMITS.branches);
    expect(report.repos.find((r) => r.path === "planted")).toBeUndefined();
  }, 120_000);

  it.skipIf(!hasPythonCtypes)(
    "opens nothing outside the workspace while the tenant swaps its directories for links (needs python3)",
    async () => {
      const { workspace, clone, dir } = setup();
      const repo = clone("repo");
      commit(repo, "one");
      const tip = git(repo, "rev-parse", "HEAD").trim();
      commit(clone("other"), "two");
      commit(clone("proj/deep"), "three");
      // The tripwire: what a scan that followed a swapped-in link would open, named as git's
      // files are, among them a FIFO where a HEAD would be.
      const outside = join(dir, "outside");
      mkdirSync(outside);
      execFileSync("mkfifo", [join(outside, "HEAD")]);
      writeFileSync(join(outside, "packed-refs"), `${"a".repeat(40)} refs/heads/stolen\n`);
      writeFileSync(join(outside, "config"), '[remote "stolen"]\n');
      for (const name of ["main", "stolen"])
        writeFileSync(join(outside, name), `${"b".repeat(40)}\n`);
      writeFileSync(join(outside, tip.slice(2)), "not an object");
      writeFileSync(join(outside, "sentinel"), "");
      // Each pair is a real directory and a link to the tripwire beside it, swapped in a loop:
      // a ref directory, an object directory, a whole .git and a directory of the workspace.
      const pairs = [
        join(repo, ".git", "refs", "heads"),
        join(repo, ".git", "objects", tip.slice(0, 2)),
        join(workspace, "other", ".git"),
        join(workspace, "proj"),
      ].map((real) => {
        const link = join(real, "..", ".swap");
        symlinkSync(outside, link);
        return [real, link] as const;
      });
      const opened = await watchOpens([outside], join(outside, "sentinel"));
      const swapper = await startSwapping(pairs);

      let scans = 0;
      const found = new Set<string>();
      const branches = new Set<string>();
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        const report = await findUnpushedWork(workspace);
        scans++;
        for (const r of report.repos) {
          found.add(r.path);
          for (const b of r.branches) branches.add(b.name);
        }
      }
      const swaps = await swapper.stop();

      expect(await opened.settle()).toEqual([]);
      expect(branches).not.toContain("stolen");
      // The race ran, and the scans read the real repositories between swaps.
      expect(swaps).toBeGreaterThan(100);
      expect(scans).toBeGreaterThan(10);
      expect([...found].sort()).toEqual(["other", "proj/deep", "repo"]);
      console.log(`${scans} scans during ${swaps} swaps`);
    },
    60_000,
  );
});
