import { compareCommits, readRefs, type RepoRefs } from "./git-refs.js";
import { openTenantTree, type TenantDir, type TenantTree } from "./tenant-tree.js";

/** What a destroy looks at before it asks: deep enough for ~/src/org/repo, fast enough to wait for. */
export const UNPUSHED_SCAN_LIMITS = {
  depth: 4,
  directories: 2_000,
  repos: 20,
  /** Branches compared with their upstream per repository; the rest are counted as unchecked. */
  branches: 50,
  /** Files read (refs, configs, commits) and directories listed by the whole scan. */
  reads: 20_000,
  /** Directory entries read by the whole scan, and from any one directory. */
  entries: 100_000,
  entriesPerDirectory: 10_000,
  /** File bytes read by the whole scan (one file is bounded by git-refs.ts). */
  bytes: 64 * 1024 * 1024,
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
 * remote, a detached HEAD off every ref. Reads git's files only (git-refs.ts), by directory
 * handles that never follow a link (tenant-tree.ts), and stops at its limits, inside a
 * directory as well as between them. Uncommitted changes are not looked for: telling them needs
 * the index and a hash of every file, which is git's own work. Rejects when `workspace` is
 * missing (ENOENT) or /proc is not there to read it by.
 */
export async function findUnpushedWork(
  workspace: string,
  limits: UnpushedScanLimits = UNPUSHED_SCAN_LIMITS,
): Promise<UnpushedReport> {
  const tree = await openTenantTree(workspace, limits);
  if (!tree) return { repos: [], complete: true };
  const repos: UnpushedRepo[] = [];
  let visited = 0;
  let complete = true;

  const visit = async (dir: TenantDir, path: string, depth: number): Promise<void> => {
    if (++visited > limits.directories || repos.length >= limits.repos) {
      complete = false;
      return;
    }
    let hasGit = false;
    const below: string[] = [];
    // The listing is the directory's own entries, taken before anything in it is read, so no
    // handle to it stays open while the walk goes deeper. Their types only choose what to try:
    // each name is opened as a directory that is not a link, or not at all.
    for (const entry of await tree.list(dir)) {
      if (entry.kind !== "directory") continue;
      if (entry.name === ".git") hasGit = true;
      else if (!entry.name.startsWith(".") && !SKIPPED.has(entry.name)) below.push(entry.name);
    }
    if (hasGit) {
      const found = await tree.within(dir, ".git", (git) => inspect(tree, git, path, limits));
      if (found) repos.push(found);
    }
    if (depth >= limits.depth) {
      if (below.length > 0) complete = false;
      return;
    }
    for (const name of below)
      await tree.within(dir, name, (sub) => visit(sub, path ? `${path}/${name}` : name, depth + 1));
  };
  try {
    await visit(tree.root, "", 0);
    return { repos, complete: complete && !tree.incomplete };
  } finally {
    await tree.close();
  }
}

async function inspect(
  tree: TenantTree,
  gitDir: TenantDir,
  path: string,
  limits: UnpushedScanLimits,
): Promise<UnpushedRepo | undefined> {
  const refs = await readRefs(tree, gitDir);
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
    const ahead = await compareCommits(tree, gitDir, tip, base);
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
