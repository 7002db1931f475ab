// Work that exists only in a workspace (issue 15), found by reading real repositories' files,
// never by running git in them: repositories here are made by real git, in the test.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findUnpushedWork } from "../../src/host/unpushed-work.js";
import { commit, git, hasGit } from "../support/git.js";
import { tempDir } from "../support/temp-dir.js";

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
    const shallow = await findUnpushedWork(workspace, {
      depth: 3,
      directories: 100,
      repos: 5,
      ms: 2_000,
    });
    expect(shallow).toEqual({ repos: [], complete: false });
    const deeper = await findUnpushedWork(workspace, {
      depth: 6,
      directories: 100,
      repos: 5,
      ms: 2_000,
    });
    expect(deeper.repos.map((r) => r.path)).toEqual(["a/b/c/d/e/deep"]);
  });
});
