import type { Runner } from "./run.js";
import { HostCommandError } from "./errors.js";

/**
 * `zfs` (OpenZFS 2.2/2.3). Dataset names are built by voxnix from validated parts only.
 * `prefix` runs it elsewhere: in the host's mount namespace (mount-namespace.ts), since its
 * create, mount, rename and destroy mount and unmount in the namespace of whoever runs them.
 */
export function zfs(runner: Runner, prefix: readonly string[] = []) {
  const run = (...args: string[]) => {
    const [binary = "zfs", ...rest] = [...prefix, "zfs", ...args];
    return runner.run([binary, ...rest]);
  };

  /** `zfs list -H -p -r … dataset`, split into cells; [] when the dataset is missing. */
  const listRows = async (options: readonly string[], dataset: string) => {
    try {
      const { stdout } = await run("list", "-H", "-p", "-r", ...options, dataset);
      return stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split("\t"));
    } catch (error) {
      if (isMissingDataset(error)) return [];
      throw error;
    }
  };

  return {
    async exists(dataset: string): Promise<boolean> {
      try {
        await run("list", "-H", "-o", "name", dataset);
        return true;
      } catch (error) {
        if (isMissingDataset(error)) return false;
        throw error;
      }
    },

    /** Creates `dataset` with `properties`; `parents` also creates missing ancestors (-p). */
    async create(
      dataset: string,
      options: { parents?: boolean; properties?: Record<string, string> } = {},
    ) {
      const props = Object.entries(options.properties ?? {}).flatMap(([k, v]) => [
        "-o",
        `${k}=${v}`,
      ]);
      await run("create", ...(options.parents ? ["-p"] : []), ...props, dataset);
    },

    /** Raw values (-p: bytes for sizes, 0 for an unset quota, "-" for an unset user property). */
    async get<P extends string>(
      dataset: string,
      properties: readonly P[],
    ): Promise<Record<P, string>> {
      const { stdout } = await run(
        "get",
        "-Hp",
        "-o",
        "property,value",
        properties.join(","),
        dataset,
      );
      const values = {} as Record<P, string>;
      for (const line of stdout.split("\n").filter(Boolean)) {
        const [property, ...value] = line.split("\t");
        values[property as P] = value.join("\t");
      }
      return values;
    },

    async set(dataset: string, property: string, value: string) {
      await run("set", `${property}=${value}`, dataset);
    },

    /** Mounts unless already mounted (`zfs mount` fails on a mounted dataset). */
    async ensureMounted(dataset: string) {
      const { mounted } = await this.get(dataset, ["mounted"]);
      if (mounted !== "yes") await run("mount", dataset);
    },

    async rename(from: string, to: string) {
      await run("rename", from, to);
    },

    /** Destroys `dataset` with descendants and snapshots; a missing dataset is not an error. */
    async destroyRecursive(dataset: string) {
      try {
        await run("destroy", "-r", dataset);
      } catch (error) {
        if (!isMissingDataset(error)) throw error;
      }
    },

    async snapshot(dataset: string, snapshot: string) {
      await run("snapshot", `${dataset}@${snapshot}`);
    },

    /** `dataset`'s own snapshots, oldest first: name (after the @), creation, bytes used. */
    async snapshots(
      dataset: string,
    ): Promise<{ name: string; createdAt: Date; usedBytes: number; clones: string[] }[]> {
      const rows = await listRows(["-t", "snapshot", "-o", "name,creation,used,clones"], dataset);
      return rows
        .filter(([full]) => full?.startsWith(`${dataset}@`)) // -r also lists descendants'
        .map(([full = "", creation = "0", used = "0", clones = "-"]) => ({
          name: full.slice(dataset.length + 1),
          createdAt: new Date(Number(creation) * 1000),
          usedBytes: Number(used),
          clones: clones === "-" || clones === "" ? [] : clones.split(","),
        }))
        .sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime());
    },

    /** Clones `dataset@snapshot` as `to`, which then depends on that snapshot. */
    async clone(dataset: string, snapshot: string, to: string) {
      await run("clone", `${dataset}@${snapshot}`, to);
    },

    /**
     * Makes clone `dataset` independent of its origin: the origin's snapshots up to the one it
     * was cloned from become its own, and the origin becomes a clone of it.
     */
    async promote(dataset: string) {
      await run("promote", dataset);
    },

    /** The snapshot `dataset` was cloned from, or undefined for an independent one. */
    async origin(dataset: string): Promise<string | undefined> {
      const { origin } = await this.get(dataset, ["origin"]);
      return origin === "-" || origin === "" ? undefined : origin;
    },

    /**
     * Destroys `dataset` with its descendants and snapshots, keeping every clone made from
     * them: real zfs refuses to destroy a snapshot with dependent clones (and -R would destroy
     * the clones), so each dependent clone is promoted first, which moves the snapshots it
     * needs over to it. A missing dataset is not an error.
     */
    async destroyKeepingClones(dataset: string) {
      // Each promote takes snapshots away from `dataset`; bounded all the same.
      const outside = (clone: string) => clone !== dataset && !clone.startsWith(`${dataset}/`);
      for (let round = 0; round < 100; round++) {
        const snapshots = await this.snapshots(dataset);
        const at = snapshots.findIndex((s) => s.clones.some(outside));
        const dependent = snapshots[at]?.clones.find(outside);
        if (dependent === undefined) break;
        // The older snapshots nothing depends on go now, with `dataset`: promoted, they would
        // move into the clone, holding what it never had.
        const moving = [];
        for (const older of snapshots.slice(0, at))
          if (older.clones.length === 0) await this.destroySnapshot(dataset, older.name);
          else moving.push(older);
        moving.push(...snapshots.slice(at, at + 1));
        // zfs refuses the promote while the clone has a snapshot named like one that moves
        // ("conflicting snapshot", dsl_dataset_promote_check): the one that moves is renamed,
        // as the clone's own keeps the meaning its name had for the clone's user.
        const theirs = new Set((await this.snapshots(dependent)).map((s) => s.name));
        const ours = new Set(snapshots.map((s) => s.name));
        for (const snapshot of moving) {
          if (!theirs.has(snapshot.name)) continue;
          const kept = inheritedName(snapshot.name, dataset, (n) => theirs.has(n) || ours.has(n));
          await this.renameSnapshot(dataset, snapshot.name, kept);
          ours.add(kept);
        }
        await this.promote(dependent);
      }
      await this.destroyRecursive(dataset);
    },

    /** Renames `dataset@from` to `dataset@to`; its clones follow it. */
    async renameSnapshot(dataset: string, from: string, to: string) {
      await run("rename", `${dataset}@${from}`, `${dataset}@${to}`);
    },

    /** Destroys one snapshot; refused by zfs while clones depend on it (see isDependentClones). */
    async destroySnapshot(dataset: string, snapshot: string) {
      await run("destroy", `${dataset}@${snapshot}`);
    },

    /** `dataset` and its descendants with the given properties, raw values; [] when missing. */
    async list<P extends string>(
      dataset: string,
      properties: readonly P[],
    ): Promise<Record<"name" | P, string>[]> {
      const fields = ["name", ...properties];
      return (await listRows(["-o", fields.join(",")], dataset)).map(
        (cells) =>
          Object.fromEntries(cells.map((v, i) => [fields[i], v])) as Record<"name" | P, string>,
      );
    },
  };
}

export type Zfs = ReturnType<typeof zfs>;

/**
 * The name a snapshot of `dataset` takes when it moves, by a promote, into a clone that has
 * one of its name: the name, a dot, and the last part of `dataset` (a trash id, or a
 * workspace's name), so `v2` of the purged `dev-20261202t091500` becomes
 * `v2.dev-20261202t091500`; `.2`, `.3` … after it if even that is taken. A snapshot name a user
 * gives has no dot (workloads' SNAPSHOT_NAME), so this name is never one of theirs, and keeps
 * their label in sight.
 */
export function inheritedName(name: string, dataset: string, taken: (name: string) => boolean) {
  const base = `${name}.${dataset.slice(dataset.lastIndexOf("/") + 1)}`;
  let candidate = base;
  for (let n = 2; taken(candidate); n++) candidate = `${base}.${n}`;
  return candidate;
}

/** `cannot open 'DS': dataset does not exist` (host-cli-reference.md). */
export function isMissingDataset(error: unknown): boolean {
  return error instanceof HostCommandError && error.stderrTail.includes("dataset does not exist");
}

/** `cannot destroy 'X': snapshot has dependent clones` (zfs_main.c, destroy_check_dependent). */
export function isDependentClones(error: unknown): boolean {
  return error instanceof HostCommandError && error.stderrTail.includes("has dependent clones");
}
