import { describe, expect, it } from "vitest";
import { fakeHostShell } from "../../support/fake-host-runner.js";

describe("fake host failure injection", () => {
  it("fails only the nth matching call, with the given output", async () => {
    const { sh, host } = await fakeHostShell();
    host.injectFault({
      command: "zfs create",
      nth: 2,
      action: "fail",
      stderr: "cannot create: out of space\n",
      exitCode: 2,
    });
    expect((await sh("zfs", "create", "tank/a")).exitCode).toBe(0);
    expect(await sh("zfs", "create", "tank/b")).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: "cannot create: out of space\n",
    });
    expect((await sh("zfs", "create", "tank/c")).exitCode).toBe(0);
    expect(host.datasets()).toEqual(["tank", "tank/a", "tank/c"]);
  });

  it("matches on argument text, so one dataset or container can be targeted", async () => {
    const { sh, host } = await fakeHostShell();
    host.injectFault({ command: "zfs create", match: "tank/bad", action: "fail" });
    expect((await sh("zfs", "create", "tank/good")).exitCode).toBe(0);
    expect((await sh("zfs", "create", "tank/bad")).exitCode).toBe(1);
  });

  it("prints malformed output with a success code", async () => {
    const { sh, host } = await fakeHostShell();
    host.injectFault({ command: "machinectl list", action: "malformed" });
    const result = await sh("machinectl", "list", "--output=json", "--no-pager");
    expect(result.exitCode).toBe(0);
    expect(() => JSON.parse(result.stdout)).toThrow();
  });

  it("delays a command and then lets it succeed", async () => {
    const { sh, host } = await fakeHostShell();
    host.injectFault({ command: "zfs list", action: "delay", delayMs: 300 });
    const started = Date.now();
    expect((await sh("zfs", "list", "-H", "-o", "name", "tank")).stdout).toBe("tank\n");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("holds a command at a gate until the test opens it, then lets it succeed", async () => {
    const { sh, host } = await fakeHostShell();
    host.injectFault({ command: "zfs create", action: "gate", gate: "g" });
    let finished = false;
    const held = sh("zfs", "create", "tank/held").then((r) => {
      finished = true;
      return r;
    });
    // The call has arrived (it is in the call log) and is waiting: nothing was created yet.
    await expect
      .poll(() => host.commandLines(), { timeout: 10_000 })
      .toContain("zfs create tank/held");
    expect(host.datasets()).toEqual(["tank"]);
    expect(finished).toBe(false);
    host.openGate("g");
    expect((await held).exitCode).toBe(0);
    expect(host.datasets()).toEqual(["tank", "tank/held"]);
  });

  it("records every call, failed ones included", async () => {
    const { sh, host } = await fakeHostShell();
    host.injectFault({ command: "zfs destroy", action: "fail" });
    await sh("zfs", "destroy", "-r", "tank/x");
    await sh("systemctl", "daemon-reload");
    expect(host.commandLines()).toEqual(["zfs destroy -r tank/x", "systemctl daemon-reload"]);
  });

  it("keeps state consistent under concurrent writers", async () => {
    const { sh, host } = await fakeHostShell();
    await Promise.all(Array.from({ length: 8 }, (_, i) => sh("zfs", "create", `tank/d${i}`)));
    expect(host.datasets()).toHaveLength(9);
  });
});
