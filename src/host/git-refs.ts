import { inflateSync } from "node:zlib";
import type { TenantDir, TenantTree } from "./tenant-tree.js";

/**
 * A git repository's refs and commits, read from its files as git stores them (HEAD, refs/,
 * packed-refs, config, loose objects) and never by running git: a tenant's repository can
 * configure hooks, fsmonitor, aliases or a pager, and git would run them on the host.
 * Every read goes through the tenant tree (tenant-tree.ts): by handle, bounded, and what cannot
 * be read is treated as absent.
 */

const SHA = /^[0-9a-f]{40}$/;
/**
 * Ref names as git allows them, conservatively: no "..", no control characters. The length
 * also bounds how deep refs/heads is walked (a directory handle is held per level).
 */
const REF_NAME = /^[\w./-]{1,200}$/;

const LIMITS = {
  smallFileBytes: 64 * 1024,
  packedRefsBytes: 4 * 1024 * 1024,
  looseObjectBytes: 1024 * 1024,
  /** A commit's headers are read; a body past this (a bomb, or a novel) makes it unreadable. */
  inflatedObjectBytes: 1024 * 1024,
  refsPerRepo: 2_000,
} as const;

export interface RepoRefs {
  /** The branch HEAD is on, or undefined when HEAD is detached (then `detachedAt`). */
  readonly headBranch: string | undefined;
  readonly detachedAt: string | undefined;
  /** Local branches: name → commit. */
  readonly branches: ReadonlyMap<string, string>;
  /** Remote-tracking refs: "origin/main" → commit. */
  readonly remoteRefs: ReadonlyMap<string, string>;
  /** Configured remotes (`[remote "origin"]`). */
  readonly remotes: readonly string[];
  /** Each branch's upstream from config (`[branch "main"] remote, merge`): "origin/main". */
  readonly upstreams: ReadonlyMap<string, string>;
}

const text = async (
  tree: TenantTree,
  dir: TenantDir,
  path: string,
  max: number = LIMITS.smallFileBytes,
) => (await tree.read(dir, path, max))?.toString("utf8");

/** Loose refs in `dir` (refs/heads or refs/remotes) and below, by their name below it. */
async function looseRefs(
  tree: TenantTree,
  dir: TenantDir,
  into: Map<string, string>,
  prefix = "",
): Promise<void> {
  for (const entry of await tree.list(dir)) {
    if (into.size >= LIMITS.refsPerRepo) return;
    const name = `${prefix}${entry.name}`;
    if (!REF_NAME.test(name) || name.includes("..")) continue;
    if (entry.kind === "directory")
      await tree.within(dir, entry.name, (sub) => looseRefs(tree, sub, into, `${name}/`));
    else if (entry.kind === "file") {
      const sha = (await text(tree, dir, entry.name))?.trim();
      if (sha && SHA.test(sha)) into.set(name, sha);
    }
  }
}

/** `[section "sub"] key = value` lines of a git config: only what upstreams need. */
function parseConfig(config: string) {
  const remotes: string[] = [];
  const branchRemote = new Map<string, string>();
  const branchMerge = new Map<string, string>();
  let section: { kind: string; name: string } | undefined;
  for (const raw of config.split("\n")) {
    const line = raw.trim();
    const header = /^\[\s*(remote|branch)\s+"([^"]{1,200})"\s*\]$/.exec(line);
    if (header) {
      section = { kind: header[1] as string, name: header[2] as string };
      if (section.kind === "remote") remotes.push(section.name);
      continue;
    }
    if (line.startsWith("[")) section = undefined;
    const pair = /^(\w+)\s*=\s*(\S+)$/.exec(line);
    if (!section || section.kind !== "branch" || !pair) continue;
    const [, key, value] = pair as unknown as [string, string, string];
    if (key.toLowerCase() === "remote") branchRemote.set(section.name, value);
    if (key.toLowerCase() === "merge") branchMerge.set(section.name, value);
  }
  const upstreams = new Map<string, string>();
  for (const [branch, remote] of branchRemote) {
    const merge = branchMerge.get(branch)?.replace(/^refs\/heads\//, "");
    if (merge && remote !== ".") upstreams.set(branch, `${remote}/${merge}`);
  }
  return { remotes, upstreams };
}

/** Reads the refs of the repository whose git directory is `gitDir`. */
export async function readRefs(tree: TenantTree, gitDir: TenantDir): Promise<RepoRefs> {
  const branches = new Map<string, string>();
  const remoteRefs = new Map<string, string>();
  // Packed first: a loose ref is newer than its packed line and replaces it.
  const packed = (await text(tree, gitDir, "packed-refs", LIMITS.packedRefsBytes)) ?? "";
  for (const line of packed.split("\n")) {
    const match = /^([0-9a-f]{40}) refs\/(heads|remotes)\/(\S+)$/.exec(line);
    if (!match || !REF_NAME.test(match[3] as string) || (match[3] as string).includes(".."))
      continue;
    const into = match[2] === "heads" ? branches : remoteRefs;
    if (into.size < LIMITS.refsPerRepo) into.set(match[3] as string, match[1] as string);
  }
  await tree.within(gitDir, "refs/heads", (dir) => looseRefs(tree, dir, branches));
  await tree.within(gitDir, "refs/remotes", (dir) => looseRefs(tree, dir, remoteRefs));
  for (const name of remoteRefs.keys()) if (name.endsWith("/HEAD")) remoteRefs.delete(name);

  const head = (await text(tree, gitDir, "HEAD"))?.trim() ?? "";
  const onBranch = /^ref: refs\/heads\/(\S+)$/.exec(head)?.[1];
  const { remotes, upstreams } = parseConfig((await text(tree, gitDir, "config")) ?? "");
  return {
    headBranch: onBranch,
    detachedAt: SHA.test(head) ? head : undefined,
    branches,
    remoteRefs,
    remotes,
    upstreams,
  };
}

/**
 * The parents of a commit, from its loose object in `objects`; undefined when it is not loose
 * (packed, or missing) or the budget is spent: then the walk cannot go on through it. Only the
 * headers are decoded, and the shas are copied out of them, so no commit's text outlives this
 * call.
 */
async function parentsOf(tree: TenantTree, objects: TenantDir, sha: string) {
  const compressed = await tree.read(
    objects,
    `${sha.slice(0, 2)}/${sha.slice(2)}`,
    LIMITS.looseObjectBytes,
  );
  if (!compressed) return undefined;
  let object: Buffer;
  try {
    object = inflateSync(compressed, { maxOutputLength: LIMITS.inflatedObjectBytes });
  } catch {
    return undefined;
  }
  const nul = object.indexOf(0);
  if (nul < 0 || !object.subarray(0, nul).toString("latin1").startsWith("commit "))
    return undefined;
  const end = object.indexOf("\n\n", nul);
  const headers = object.subarray(nul + 1, end < 0 ? object.length : end).toString("latin1");
  return [...headers.matchAll(/^parent ([0-9a-f]{40})$/gm)].map((m) =>
    Buffer.from(m[1] as string, "latin1").toString("latin1"),
  );
}

export type Ahead =
  /** `count` commits reachable from the branch that `base` does not have. */
  | { readonly kind: "ahead"; readonly count: number }
  /** The branch is behind or equal: nothing of it is missing from `base`. */
  | { readonly kind: "contained" }
  /** The walk met packed history before it met `base`: the two differ, by how much is unknown. */
  | { readonly kind: "differs" };

/**
 * How `tip` relates to `base`, walking commits through loose objects (bounded): new local
 * commits are loose until git packs them, so the usual unpushed commit is found. When
 * `base` is reached every commit met on the way is unpushed; when `tip` is reached from `base`
 * the branch is merely behind.
 */
export async function compareCommits(
  tree: TenantTree,
  gitDir: TenantDir,
  tip: string,
  base: string,
  maxCommits = 500,
): Promise<Ahead> {
  if (tip === base) return { kind: "contained" };
  const compared = await tree.within(gitDir, "objects", async (objects) => {
    const fromTip = await reachable(tree, objects, tip, base, maxCommits);
    if (fromTip.found) return { kind: "ahead", count: fromTip.seen.size } as const;
    const fromBase = await reachable(tree, objects, base, tip, maxCommits);
    if (fromBase.found) return { kind: "contained" } as const;
    return undefined;
  });
  return compared ?? { kind: "differs" };
}

async function reachable(
  tree: TenantTree,
  objects: TenantDir,
  from: string,
  target: string,
  max: number,
) {
  const seen = new Set<string>();
  const queue = [from];
  let found = false;
  while (queue.length > 0 && seen.size < max) {
    const sha = queue.shift() as string;
    if (sha === target) {
      found = true;
      continue;
    }
    if (seen.has(sha)) continue;
    seen.add(sha);
    const parents = await parentsOf(tree, objects, sha);
    if (parents) queue.push(...parents);
  }
  return { found, seen };
}
