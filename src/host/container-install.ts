import { existsSync, lstatSync, readFileSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  CONF_MARKER,
  containerConf,
  containerDropIn,
  type ContainerInstall,
} from "./container-files.js";
import { TEMPLATE_UNIT } from "./container-template.js";
import { ForeignContainer } from "./errors.js";
import type { Runner } from "./run.js";

export interface ContainerInstallerOptions {
  /** Where nixpkgs' container@.service template reads `<name>.conf` (/etc/nixos-containers). */
  readonly confDir: string;
  /** A unit directory on systemd's search path that is not the store's (/etc/systemd-mutable/system). */
  readonly unitDir: string;
  /** voxnix's GC roots (/nix/var/nix/gcroots/voxnix); each container's system under containers/. */
  readonly gcrootDir: string;
  /** Where the template keeps each container's root file system (/var/lib/nixos-containers). */
  readonly stateDir: string;
}

/**
 * Installs containers the way NixOS runs imperative ones: nixpkgs' `container@.service` template
 * reads `/etc/nixos-containers/<name>.conf`, so a container is a conf, a drop-in with its limits,
 * a wants link that starts it at boot and a GC root for its system. No NixOS evaluation per
 * container (extra-container's host fragment took 6.5 s): the system comes built, and the rest
 * is files. The conf is written last and removed last, so "installed" is the conf's existence
 * (host-cli-reference.md) and every earlier step is undone by `uninstall`.
 */
export function containerInstaller(runner: Runner, options: ContainerInstallerOptions) {
  const confPath = (name: string) => join(options.confDir, `${name}.conf`);
  const dropInPath = (name: string) =>
    join(options.unitDir, `container@${name}.service.d`, "voxnix.conf");
  const wantsLink = (name: string) =>
    join(options.unitDir, "machines.target.wants", `container@${name}.service`);
  const systemRoot = (name: string) => join(options.gcrootDir, "containers", name);
  const ours = (name: string) => {
    try {
      return readFileSync(confPath(name), "utf8").startsWith(CONF_MARKER);
    } catch {
      return false;
    }
  };

  const confValue = (name: string, key: string) => {
    if (!ours(name)) return undefined;
    const line = readFileSync(confPath(name), "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${key}=`));
    return line?.slice(key.length + 1);
  };

  return {
    /**
     * Installs `container`, replacing what voxnix installed under its name before; callers make
     * sure there is no `occupant` first.
     */
    async install(container: ContainerInstall) {
      const { name } = container;
      await replaceLink(container.systemPath, systemRoot(name));
      await writeAtomically(dropInPath(name), containerDropIn(container, options.confDir), 0o644);
      if (container.startsAtBoot === false) await rm(wantsLink(name), { force: true });
      else await replaceLink(TEMPLATE_UNIT, wantsLink(name));
      await runner.run(["systemctl", "daemon-reload"]);
      await writeAtomically(confPath(name), containerConf(container), 0o644);
    },

    /**
     * Brings an installed container's conf and drop-in to what this voxnix writes for
     * `container`, rewriting (atomically) only what differs and leaving its wants link and
     * system root alone: keys a newer voxnix writes, or a host template needs, reach containers
     * installed before. A running container reads them at its next start. Says what changed:
     * the conf keys and the drop-in settings, none when both were already so. With `write`
     * false it only says what it would change.
     */
    async refresh(
      container: ContainerInstall,
      { write = true }: { write?: boolean } = {},
    ): Promise<{ conf: string[]; dropIn: string[] }> {
      const { name } = container;
      if (!ours(name)) return { conf: [], dropIn: [] };
      const conf = containerConf(container);
      const dropIn = containerDropIn(container, options.confDir);
      const [confBefore, dropInBefore] = await Promise.all(
        [confPath(name), dropInPath(name)].map((path) => readFile(path, "utf8").catch(() => "")),
      );
      const changed = {
        conf: changedKeys(confBefore ?? "", conf),
        dropIn: changedKeys(dropInBefore ?? "", dropIn),
      };
      if (!write) return changed;
      if (changed.dropIn.length > 0) {
        await writeAtomically(dropInPath(name), dropIn, 0o644);
        await runner.run(["systemctl", "daemon-reload"]);
      }
      if (changed.conf.length > 0) await writeAtomically(confPath(name), conf, 0o644);
      return changed;
    },

    /**
     * Stops the container (its tenant's processes get a clean shutdown), then removes it:
     * nixos-container destroy takes the conf and the container's state directory. Idempotent:
     * whatever is already gone is skipped, so an interrupted install or destroy finishes here.
     */
    async uninstall(name: string) {
      if (present(confPath(name)) && !ours(name))
        throw new ForeignContainer(`${confPath(name)} is not voxnix's; leaving it alone`);
      await runner.run(["systemctl", "stop", `container@${name}.service`], { timeoutMs: 180_000 });
      for (const path of [wantsLink(name), dropInPath(name), systemRoot(name), confPath(name)])
        await rm(`${path}${PARTIAL}`, { force: true });
      await rm(wantsLink(name), { force: true });
      await rm(dirname(dropInPath(name)), { recursive: true, force: true });
      await rm(systemRoot(name), { force: true });
      // nixos-container destroy removes the state directory only when there is a conf: one the
      // template created without ours (a start from a wants link whose conf was never written)
      // would otherwise be left to the next container of this name.
      if (!existsSync(confPath(name)) && existsSync(join(options.stateDir, name)))
        await writeAtomically(confPath(name), `${CONF_MARKER}\n`, 0o644);
      await runner.run(["nixos-container", "destroy", name], { timeoutMs: 120_000 });
      await runner.run(["systemctl", "daemon-reload"]);
    },

    /**
     * Whether the installed container `name` starts at boot: its wants link, which is all the
     * boot-time start reads (machines.target pulls the template's instance in). No reload is
     * needed: systemd reads .wants directories when it builds the boot transaction.
     */
    async startAtBoot(name: string, yes: boolean) {
      if (!ours(name)) return;
      if (yes) await replaceLink(TEMPLATE_UNIT, wantsLink(name));
      else await rm(wantsLink(name), { force: true });
    },

    /** Installed by voxnix: its conf, which is written last, exists and is voxnix's. */
    isInstalled(name: string): boolean {
      return ours(name);
    },

    /** The system an installed container boots (its conf's SYSTEM_PATH), if it is installed. */
    installedSystem(name: string): string | undefined {
      return confValue(name, "SYSTEM_PATH");
    },

    /**
     * The address an installed container's conf gives it (LOCAL_ADDRESS); undefined for a conf
     * from before containers were routed (HOST_BRIDGE=br-vox) or no conf of voxnix's.
     */
    installedAddress(name: string): string | undefined {
      return confValue(name, "LOCAL_ADDRESS");
    },

    /**
     * What of a container named `name` is on the host that voxnix did not make, if anything: a
     * conf of another's, or a state directory without any conf.
     */
    occupant(name: string): string | undefined {
      if (present(confPath(name))) return ours(name) ? undefined : confPath(name);
      const state = join(options.stateDir, name);
      return existsSync(state) ? state : undefined;
    },

    /** Containers voxnix installed, or began to: a conf of its own or a drop-in of its own. */
    async list(): Promise<string[]> {
      const names = new Set<string>();
      for (const file of await readdir(options.confDir).catch(() => [] as string[])) {
        if (!file.endsWith(".conf")) continue;
        const text = await readFile(join(options.confDir, file), "utf8").catch(() => "");
        if (text.startsWith(CONF_MARKER)) names.add(file.slice(0, -".conf".length));
      }
      for (const entry of await readdir(options.unitDir).catch(() => [] as string[])) {
        const name = /^container@(.+)\.service\.d$/.exec(entry)?.[1];
        if (name && existsSync(dropInPath(name))) names.add(name);
      }
      return [...names].sort();
    },
  };
}

/**
 * The keys (`KEY=value` lines of a conf, or a unit file's settings) whose values differ between
 * two texts, in the order they first appear; a unit setting given twice counts as one list.
 */
function changedKeys(before: string, after: string): string[] {
  const settings = (text: string) => {
    const map = new Map<string, string[]>();
    for (const line of text.split("\n")) {
      const key = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1];
      if (key) map.set(key, [...(map.get(key) ?? []), line]);
    }
    return map;
  };
  const [old, now] = [settings(before), settings(after)];
  const keys = new Set([...now.keys(), ...old.keys()]);
  return [...keys].filter(
    (key) => (old.get(key) ?? []).join("\n") !== (now.get(key) ?? []).join("\n"),
  );
}

/** Whether anything is at `path`, a dangling symlink too (a declarative conf on a host being built). */
const present = (path: string) => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

/** The suffix of a file being written; uninstall removes any a crash left. */
const PARTIAL = ".voxnix-new";

/**
 * A file that is either the old or the new content, whenever it is read (systemd, a crash, a
 * power cut: the content is on disk before the rename makes it the file).
 */
async function writeAtomically(path: string, content: string, mode: number) {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const temporary = `${path}${PARTIAL}`;
  const file = await open(temporary, "w", mode);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

async function replaceLink(target: string, path: string) {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const temporary = `${path}${PARTIAL}`;
  await rm(temporary, { force: true });
  await symlink(target, temporary);
  await rename(temporary, path);
}

export type ContainerInstaller = ReturnType<typeof containerInstaller>;
