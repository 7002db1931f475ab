import type { Dirent } from "node:fs";
import { lstat, readdir, realpath } from "node:fs/promises";
import { join, relative } from "node:path";
import {
  compareCommits,
  isInside,
  readRefs,
  scanBudget,
  spend,
  type RepoRefs,
  type ScanBudget,
} from "./git-refs.js";

/** What a destroy looks at before it asks: deep enough for ~/src/org/repo, fast enough to wait for. */
export const UNPUSHED_SCAN_LIMITS = {
  depth: 4,
  directories: 2_000,
  repos: 20,
  /** Branches compared with their upstream per repository; the rest are counted as unchecked. */
  branches: 50,
  /** Files read (refs, configs, commits) by the whole scan. */
  reads: 20_000,
  ms: 2_000,
} as const;
export type UnpushedScanLimits = { readonly [K in keyof typeof UNPUSHED_SCAN_LIMITS]: number };

/** Directories no one keeps their own commits in, and that can hold thousands of entries. */
const SKIPPED = new Set(["node_modules", "vendor", "target", "dist", "build", "__pycache__"]);

export interface UnpushedBranch {
  readonly name: string;
  /**
   * "ahead": `commits` commits not on `upstream`; "differs": not on `upstream`, by how much
   * unknown (packed history); "never-pushed": no remote-tracking ref has it.
   */
  readonly state: "ahead" | "differs" | "never-pushed";
  readonly commits?: number;
  readonly upstream?: string;
}

export interface UnpushedRepo {
  /** The repository's directory, relative to the workspace ("" for the workspace itself). */
  readonly path: string;
  /** No remote is configured: its whole history exists only here. */
  readonly noRemote: boolean;
  readonly branches: readonly UnpushedBranch[];
  /** A detached HEAD on a commit no branch or remote-tracking ref points to (short sha). */
  readonly detachedAt?: string;
  /** Branches past the per-repository limit, not looked at. */
  readonly unchecked?: number;
}

export interface UnpushedReport {
  readonly repos: readonly UnpushedRepo[];
  /** False when a limit (depth, count, time) stopped the scan: there may be more. */
  readonly complete: boolean;
}

/**
 * Looks through a workspace for git repositories whose work exists nowhere else: branches with
 * commits their remote-tracking ref lacks, branches never pushed, repositories without a
 * remote, a detached HEAD off every ref. Reads git's files only (git-refs.ts), never follows a
 * link, and stops at its limits. Uncommitted changes are not looked for: telling them needs
 * the index and a hash of every file, which is git's own work.
 */
export async function findUnpushedWork(
  workspace: string,
  limits: UnpushedScanLimits = UNPUSHED_SCAN_LIMITS,
): Promise<UnpushedReport> {
  const root = await realpath(workspace);
  const budget = scanBudget(limits.ms, limits.reads);
  const repos: UnpushedRepo[] = [];
  let visited = 0;
  let complete = true;

  const visit = async (dir: string, depth: number): Promise<void> => {
    if (++visited > limits.directories || repos.length >= limits.repos || !spend(budget)) {
      complete = false;
      return;
    }
    // A directory swapped for a link since it was listed as one is not followed out.
    if (!(await isInside(root, dir))) return;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const git = entries.find((e) => e.name === ".git");
    if (git?.isDirectory()) {
      const found = await inspect(root, join(dir, ".git"), relative(root, dir), budget, limits);
      if (found) repos.push(found);
    }
    if (depth >= limits.depth) {
      if (entries.some((e) => e.isDirectory() && !e.name.startsWith("."))) complete = false;
      return;
    }
    for (const entry of entries) {
      // Dirent types come from the directory itself: a symlink is a symlink, never followed.
      if (!entry.isDirectory() || entry.name.startsWith(".") || SKIPPED.has(entry.name)) continue;
      await visit(join(dir, entry.name), depth + 1);
    }
  };
  if ((await lstat(root)).isDirectory()) await visit(root, 0);
  return { repos, complete: complete && !budget.exhausted };
}

async function inspect(
  root: string,
  gitDir: string,
  path: string,
  budget: ScanBudget,
  limits: UnpushedScanLimits,
): Promise<UnpushedRepo | undefined> {
  const refs = await readRefs(root, gitDir, budget);
  const noRemote = refs.remotes.length === 0 && refs.remoteRefs.size === 0;
  const pushed = new Set(refs.remoteRefs.values());
  const branches: UnpushedBranch[] = [];
  const checked = [...refs.branches].slice(0, limits.branches);
  const unchecked = refs.branches.size - checked.length;
  for (const [name, tip] of checked) {
    if (noRemote) {
      branches.push({ name, state: "never-pushed" });
      continue;
    }
    const upstream = upstreamOf(refs, name);
    const base = upstream && refs.remoteRefs.get(upstream);
    if (!upstream || !base) {
      if (!pushed.has(tip)) branches.push({ name, state: "never-pushed" });
      continue;
    }
    const ahead = await compareCommits(root, gitDir, tip, base, budget);
    if (ahead.kind === "ahead")
      branches.push({ name, state: "ahead", commits: ahead.count, upstream });
    else if (ahead.kind === "differs") branches.push({ name, state: "differs", upstream });
  }
  const detached = refs.detachedAt;
  const detachedAt =
    detached && !pushed.has(detached) && ![...refs.branches.values()].includes(detached)
      ? detached.slice(0, 7)
      : undefined;
  if (branches.length === 0 && !detachedAt && unchecked === 0) return undefined;
  return {
    path,
    noRemote,
    branches,
    ...(detachedAt ? { detachedAt } : {}),
    ...(unchecked > 0 ? { unchecked } : {}),
  };
}

/** The branch's configured upstream, else the same name on the first remote that has it. */
function upstreamOf(refs: RepoRefs, branch: string): string | undefined {
  const configured = refs.upstreams.get(branch);
  if (configured) return configured;
  return refs.remotes.map((r) => `${r}/${branch}`).find((ref) => refs.remoteRefs.has(ref));
}
