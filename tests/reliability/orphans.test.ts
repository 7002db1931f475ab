import { execa } from "execa";
import { readdirSync, readFileSync } from "node:fs";
import { holderMark } from "../../src/process-identity.js";
import { locateOnPath } from "../../src/host/locate.js";
import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost } from "../fakes/fake-host.js";
import { consistentAfterRestart, fakeToolPids } from "../support/crash.js";
import { eventually } from "../support/processes.js";
import { tempDir } from "../support/temp-dir.js";
import { testWorkloads } from "../support/test-workloads.js";
import { fakeHostEnv, voxnixCommand } from "../support/voxnix-process.js";

/** A fresh fake host and a CLI create on it whose build is held at a gate, as a real process. */
async function createHeldAtBuild() {
  const host = await createFakeHost();
  onTestFinished(() => host.cleanup());
  const env = fakeHostEnv(host);
  host.injectFault({ command: "nix-build", action: "gate", gate: "build" });
  const cli = execa(...voxnixCommand(["create", "dev", "--modules", "git", "--as", "1001"]), {
    env,
    extendEnv: false,
    reject: false,
    cwd: tempDir(),
  });
  onTestFinished(() => void cli.kill("SIGKILL"));
  expect(await eventually(() => host.commandLines("nix-build").length > 0, 30_000)).toBe(true);
  // Wrapped: the subprocess is a thenable, and returning it bare would wait for its end.
  return { host, stateDir: env.VOXNIX_STATE_DIR as string, cli };
}

describe("host commands that outlive their process", () => {
  it("keep a killed CLI's create in progress until its build ends, then roll it back", async () => {
    const { host, stateDir, cli } = await createHeldAtBuild();
    cli.kill("SIGKILL"); // no handler runs: the build goes on without its process
    await cli;

    const t = await testWorkloads({ reuse: { host, stateDir } });
    const early = await t.workloads.reconcile();
    expect(early.repaired).toEqual([]);
    expect(early.inProgress).toEqual([
      expect.stringMatching(
        /^dev: create in progress \(cli:1, pid \d+ is gone but its host commands still run/,
      ),
    ]);
    expect(t.store.containers.find("dev")?.state).toBe("creating");

    host.openGate("build");
    expect(await eventually(() => fakeToolPids(host).length === 0, 30_000)).toBe(true);
    // The build finished, but installing was the dead process's to do: nothing is installed,
    // and the built system stays only as the cache's root, for the next create.
    expect(host.installed()).toEqual([]);
    expect((await t.workloads.reconcile()).repaired).toEqual([
      "dev: create was interrupted before install; rolled back",
    ]);
    expect(host.containerFiles()).toEqual([]);
    await consistentAfterRestart(host, stateDir);
  });

  it("die with a CLI stopped by Ctrl-C, whose create is then rolled back", async () => {
    const { host, stateDir, cli } = await createHeldAtBuild();
    cli.kill("SIGINT");
    const ended = await cli;
    expect(ended.exitCode).toBe(130);
    expect(String(ended.stderr)).toContain("voxnix: stopped by SIGINT");
    // Its build went with it (the gate is never opened): nothing can install behind the repair.
    expect(await eventually(() => fakeToolPids(host).length === 0, 30_000)).toBe(true);

    const t = await testWorkloads({ reuse: { host, stateDir } });
    expect((await t.workloads.reconcile()).repaired).toEqual([
      "dev: create was interrupted before install; rolled back",
    ]);
    expect(host.installed()).toEqual([]);
    await consistentAfterRestart(host, stateDir);
  });

  it.skipIf(process.getuid?.() !== 0 || !locateOnPath("unshare", process.env.PATH ?? ""))(
    "count a dead holder's mark only on the host's own processes: a tenant's copy blocks no repair (needs root and unshare)",
    async () => {
      const { host, stateDir, cli } = await createHeldAtBuild();
      const t = await testWorkloads({ reuse: { host, stateDir } });
      const mark = holderMark(t.store.operations.listAll()[0]?.holder as never);
      cli.kill("SIGINT"); // its build dies with it
      await cli;
      expect(await eventually(() => fakeToolPids(host).length === 0, 30_000)).toBe(true);

      // A process in a container's namespaces, as root there, claiming to be the CLI's command.
      const tenant = execa(
        "unshare",
        [
          "--user",
          "--map-root-user",
          "--pid",
          "--fork",
          "env",
          `VOXNIX_HOLDER=${mark}`,
          "sleep",
          "60",
        ],
        { reject: false },
      );
      onTestFinished(() => void tenant.kill("SIGKILL"));
      const carries = () =>
        readdirSync("/proc").some((pid) => {
          try {
            return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/environ`, "utf8").includes(mark);
          } catch {
            return false;
          }
        });
      expect(await eventually(carries, 30_000)).toBe(true);

      expect((await t.workloads.reconcile()).repaired).toEqual([
        "dev: create was interrupted before install; rolled back",
      ]);
      expect(host.installed()).toEqual([]);
    },
    60_000,
  );
});
