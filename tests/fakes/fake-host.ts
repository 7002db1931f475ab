import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRunning } from "../support/processes.js";
import { assertNoSecretsIn } from "../support/secrets.js";
import { createHostDir } from "./lib/create-host.mjs";
import { startToolServer } from "./lib/server.mjs";
import { unmountAllUnder } from "./lib/real-mounts.mjs";
import { readState, updateState } from "./lib/state.mjs";

export interface FaultRule {
  /** Tool and verb, e.g. "zfs create"; "journalctl" for tools without verbs. */
  readonly command: string;
  /** Checkpoint inside the command: "before" (default); nix-build also "output" (after the build). */
  readonly step?: "before" | "output";
  /** Only calls whose arguments contain this text. */
  readonly match?: string;
  /** Only the nth matching call (1-based); every matching call when omitted. */
  readonly nth?: number;
  readonly action: "fail" | "hang" | "malformed" | "delay" | "gate";
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly delayMs?: number;
  /** With "gate": the call waits here until {@link FakeHost.openGate} opens this gate. */
  readonly gate?: string;
  /** With "hang": leave a grandchild running in the tool's process group too. */
  readonly spawnChild?: boolean;
}

export interface FakeHostSettings {
  /** What `<nixpkgs>` names (nix-instantiate --find-file): change it to stand for an update. */
  readonly nixpkgs?: string;
  /** How long nix-build takes for a system not yet in the (fake) store. */
  readonly buildDelayMs?: number;
  readonly startDelayMs?: number;
  readonly poolFreeBytes?: number;
  /** What `zpool list -o health` reports (default ONLINE). */
  readonly poolHealth?: string;
  readonly templateUnit?: boolean;
  readonly units?: Readonly<Record<string, string>>;
  /**
   * zfs really bind-mounts datasets in its caller's mount namespace, and a container start
   * checks that its workspace is mounted in the host's (this process's): see lib/real-mounts.mjs.
   * Needs root.
   */
  readonly realMounts?: boolean;
}

export interface FakeCall {
  readonly tool: string;
  readonly args: readonly string[];
  readonly at: number;
}

export interface FakeDataset {
  readonly props: Readonly<Record<string, string | number>>;
  readonly mounted: boolean;
  readonly usedBytes: number;
  /** What a test said it holds (setContent); a snapshot keeps it, a clone starts with it. */
  readonly content?: string;
  /** The snapshot it was cloned from, if it is a clone. */
  readonly origin?: string;
}

/**
 * A fake NixOS host in a temp directory: the fake tools in `bin` (put it first on PATH) and
 * accessors that tests assert on. See tests/fakes/README.md.
 */
export interface FakeHost {
  readonly dir: string;
  readonly bin: string;
  /** The host's root (VOXNIX_HOST_ROOT): confs, unit files, GC roots and the fake store. */
  readonly root: string;
  /** Where container confs are (the "installed" signal). */
  readonly confDir: string;
  /** PATH with the fakes first, then the system's. */
  readonly path: string;
  /**
   * The mount namespace that stands for the host's: the tool server's (this process's). Set
   * VOXNIX_HOST_MOUNT_NAMESPACE to it; the default, PID 1's, is not what the fakes serve.
   */
  readonly mountNamespace: string;
  calls(tool?: string): FakeCall[];
  /** Calls rendered as command lines ("zfs create -p tank/x"), for golden comparisons. */
  commandLines(tool?: string): string[];
  datasets(): string[];
  dataset(name: string): FakeDataset | undefined;
  snapshots(): string[];
  /** Running machines, as machinectl sees them. */
  machines(): string[];
  /** The system a running container runs: the one it booted, or switched to since. */
  runningSystem(name: string): string | undefined;
  /** Runtime properties `systemctl set-property` gave a unit. */
  unitProperties(unit: string): Record<string, string>;
  /** Containers whose conf file exists. */
  installed(): string[];
  /**
   * The files that make containers (units, drop-ins, wants links, per-container GC roots), by
   * path under the root; not the built-systems cache, which outlives containers on purpose.
   */
  containerFiles(): string[];
  injectFault(rule: FaultRule): void;
  /** Lets every call waiting at this gate (and every later one) go on. */
  openGate(name: string): void;
  clearFaults(): void;
  configure(settings: FakeHostSettings): void;
  setUsed(dataset: string, bytes: number): void;
  /** Stands for writing files in a dataset: a label that snapshots keep and clones start with. */
  setContent(dataset: string, content: string): void;
  /** What a unit's cgroup has used, as `systemctl show` reports it while the unit runs. */
  setUnitUsage(
    unit: string,
    usage: {
      CPUUsageNSec?: number;
      MemoryCurrent?: number;
      MemoryPeak?: number;
      NRestarts?: number;
    },
  ): void;
  tailscaleNodes(): string[];
  /** Owners `chown` gave paths ("uid:gid" by path). */
  owners(): Record<string, string>;
  /** Pids of the children that "hang" faults spawned. */
  spawnedPids(): number[];
  /** Those of {@link spawnedPids} still alive. */
  livePids(): number[];
  cleanup(): Promise<void>;
}

export async function createFakeHost(
  options: {
    settings?: FakeHostSettings;
    pool?: string;
    tools?: string[];
    /** Which client bin/ holds (lib/create-host.mjs): the compiled one where it can be built. */
    client?: "compiled" | "bash";
  } = {},
): Promise<FakeHost> {
  const dir = await mkdtemp(join(tmpdir(), "voxnix-host-"));
  const host = createHostDir(dir, options);
  // In this process: tests and benches stay up while the code under test calls the fakes.
  const server = await startToolServer(dir);
  const state = () => readState(host);
  const calls = (tool?: string): FakeCall[] =>
    readFileSync(host.calls, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as FakeCall)
      .filter((call) => tool === undefined || call.tool === tool);

  return {
    dir,
    bin: host.bin,
    root: host.root,
    confDir: host.confDir,
    path: `${host.bin}:${process.env.PATH ?? ""}`,
    mountNamespace: `/proc/${process.pid}/ns/mnt`,
    calls,
    commandLines: (tool) => calls(tool).map((c) => [c.tool, ...c.args].join(" ")),
    datasets: () => Object.keys(state().datasets).sort(),
    dataset: (name) => state().datasets[name],
    snapshots: () => Object.keys(state().snapshots).sort(),
    machines: () => Object.keys(state().machines).sort(),
    runningSystem: (name) => (state().machines[name] as { system?: string } | undefined)?.system,
    unitProperties: (unit) => ({ ...(state().unitProperties?.[unit] ?? {}) }),
    installed: () =>
      readdirSync(host.confDir)
        .filter((f) => f.endsWith(".conf"))
        .map((f) => f.slice(0, -5))
        .sort(),
    containerFiles: () =>
      [
        "etc/nixos-containers",
        "etc/systemd-mutable/system",
        "nix/var/nix/gcroots/voxnix/containers",
      ]
        .flatMap((dir) => filesUnder(join(host.root, dir)).map((f) => `${dir}/${f}`))
        .sort(),
    injectFault(rule) {
      const rules = JSON.parse(readFileSync(host.faults, "utf8")) as FaultRule[];
      writeFileSync(host.faults, JSON.stringify([...rules, rule]));
    },
    clearFaults: () => writeFileSync(host.faults, "[]"),
    openGate(name) {
      mkdirSync(join(dir, "gates"), { recursive: true });
      writeFileSync(join(dir, "gates", name), "");
    },
    configure: (settings) =>
      updateState((s: { settings: object }) => Object.assign(s.settings, settings), host),
    setUsed: (name, bytes) =>
      updateState((s: { datasets: Record<string, { usedBytes: number }> }) => {
        const dataset = s.datasets[name];
        if (!dataset) throw new Error(`fake host: no dataset ${name}`);
        dataset.usedBytes = bytes;
      }, host),
    setContent: (name, content) =>
      updateState((s: { datasets: Record<string, { content?: string }> }) => {
        const dataset = s.datasets[name];
        if (!dataset) throw new Error(`fake host: no dataset ${name}`);
        dataset.content = content;
      }, host),
    setUnitUsage: (unit, usage) =>
      updateState((s: { unitUsage?: Record<string, Record<string, string>> }) => {
        s.unitUsage ??= {};
        s.unitUsage[unit] = Object.fromEntries(
          Object.entries(usage).map(([key, value]) => [key, String(value)]),
        );
      }, host),
    tailscaleNodes: () => Object.keys(state().tailscale).sort(),
    owners: () => ({ ...((state() as { owners?: Record<string, string> }).owners ?? {}) }),
    spawnedPids: () => (existsSync(host.pids) ? readdirSync(host.pids) : []).map(Number),
    livePids: () =>
      (existsSync(host.pids) ? readdirSync(host.pids) : []).map(Number).filter(isRunning),
    cleanup: async () => {
      await server.close();
      unmountAllUnder(dir); // what realMounts mounted in this namespace
      try {
        // Its state, call log and the files its tools wrote hold no secret. bin/ holds what
        // the harness put there: the compiled client is 0.9 MB, ten times over, per host.
        assertNoSecretsIn(dir, [host.bin]);
      } finally {
        for (const pid of existsSync(host.pids) ? readdirSync(host.pids) : []) {
          try {
            process.kill(Number(pid), "SIGKILL");
          } catch {
            // already gone
          }
        }
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Every non-directory entry under `dir` (symlinks included, not followed), relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name)).map((f) => `${entry.name}/${f}`)
      : [entry.name],
  );
}
