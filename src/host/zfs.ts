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

    /** `dataset` and its descendants with the given properties, raw values; [] when missing. */
    async list<P extends string>(
      dataset: string,
      properties: readonly P[],
    ): Promise<Record<"name" | P, string>[]> {
      const fields = ["name", ...properties];
      let stdout: string;
      try {
        ({ stdout } = await run("list", "-H", "-p", "-r", "-o", fields.join(","), dataset));
      } catch (error) {
        if (isMissingDataset(error)) return [];
        throw error;
      }
      return stdout
        .split("\n")
        .filter(Boolean)
        .map(
          (line) =>
            Object.fromEntries(line.split("\t").map((v, i) => [fields[i], v])) as Record<
              "name" | P,
              string
            >,
        );
    },
  };
}

export type Zfs = ReturnType<typeof zfs>;

/** `cannot open 'DS': dataset does not exist` (host-cli-reference.md). */
function isMissingDataset(error: unknown): boolean {
  return error instanceof HostCommandError && error.stderrTail.includes("dataset does not exist");
}
