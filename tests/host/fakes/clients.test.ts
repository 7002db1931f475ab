// The two clients a fake host's bin/ can hold (tests/fakes/lib/create-host.mjs): client.c
// compiled, and the bash one used where nothing compiles it. Both speak to the same tool server,
// so each must hand over argv intact and give back what the tool printed, its exit code, and a
// hang that only a kill of its process group ends.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HostCommandTimeout } from "../../../src/host/errors.js";
import { createRunner } from "../../../src/host/run.js";
import { createLogger } from "../../../src/log.js";
import { fakeHostShell } from "../../support/fake-host-runner.js";
import { eventually } from "../../support/processes.js";

const hasCompiler = (() => {
  try {
    execFileSync("cc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.each(["compiled", "bash"] as const)("the %s fake tool client", (client) => {
  it("hands over every argument as it was given", async () => {
    const { sh, host } = await fakeHostShell({ client });
    const args = ["list", "", "a b", "it's", 'say "hi"', "line\nbreak", "ünïcode", "-o", "$HOME"];
    await sh("zfs", ...args);
    expect(host.calls("zfs").at(-1)?.args).toEqual(args);
  });

  it("prints what the tool printed on each stream and exits with its code", async () => {
    const { sh } = await fakeHostShell({ client });
    expect(await sh("zfs", "list", "-H", "-o", "name", "tank")).toEqual({
      exitCode: 0,
      stdout: "tank\n",
      stderr: "",
    });
    expect(await sh("zfs", "list", "tank/missing")).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "cannot open 'tank/missing': dataset does not exist\n",
    });
  });

  it("prints a long output whole", async () => {
    const { sh, host } = await fakeHostShell({ client });
    const stdout = Array.from({ length: 5_000 }, (_, i) => `line ${i} ${"x".repeat(40)}\n`).join(
      "",
    );
    host.injectFault({ command: "journalctl", action: "fail", exitCode: 0, stdout, stderr: "e\n" });
    expect(await sh("journalctl", "-u", "x")).toEqual({ exitCode: 0, stdout, stderr: "e\n" });
  });

  // The runner's abort too: it kills the whole group, the fake's grandchild included.
  it("hangs, with a child in its process group, until the caller kills the group", async () => {
    const { host } = await fakeHostShell({ client });
    const runner = createRunner({
      log: createLogger({ level: "silent" }),
      env: { PATH: host.path },
    });
    host.injectFault({ command: "nix-build", action: "hang", spawnChild: true });
    const controller = new AbortController();
    const running = runner
      .run(["nix-build", "-E", "x"], { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(await eventually(() => host.spawnedPids().length === 1, 10_000)).toBe(true);
    expect(host.livePids()).toHaveLength(1);
    controller.abort();
    expect(await running).toBeInstanceOf(HostCommandTimeout);
    expect(host.livePids()).toEqual([]);
  });

  it("says so and exits 70 when its host's tool server is not running", async () => {
    const { sh, host } = await fakeHostShell({ client });
    // A port nothing listens on any more.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    writeFileSync(join(host.dir, "port"), `${closed}\n`);
    expect(await sh("zfs", "list")).toEqual({
      exitCode: 70,
      stdout: "",
      stderr: `fake zfs: the tool server of ${host.dir} is not running\n`,
    });
  });
});

describe("a fake host's bin/", () => {
  it.skipIf(!hasCompiler)(
    "holds the compiled client where this machine has a C compiler (skipped: no cc here)",
    async () => {
      const { host } = await fakeHostShell();
      expect(readFileSync(join(host.bin, "zfs")).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    },
  );
});
