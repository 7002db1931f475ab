// Issue 24, finding 5, on real systemd 257: a reboot of the host starts every container whose
// machines.target.wants link is there. voxnix removes the link of a container stopped on
// purpose (src/workloads/operations/power.ts through src/host/container-install.ts startAtBoot), so a
// reboot brings back exactly the containers that were running. The lab's systemd reboots for
// real (systemctl reboot) and boots again from the same state.
import { lstatSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machinectl } from "../../src/host/machinectl.js";
import {
  bootLab,
  cannotRunLab,
  labContainer,
  labInstaller,
  unitShow,
  type Lab,
} from "../support/lab.js";

const cannot = cannotRunLab();

describe.skipIf(cannot)(`a reboot of the host (lab: ${cannot ?? "runs"})`, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await bootLab("reboot");
  }, 120_000);
  afterAll(async () => {
    await lab?.dispose();
  }, 120_000);

  it("brings back the running containers, not one stopped on purpose", async () => {
    const installer = labInstaller(lab);
    const names = ["alpha", "beta", "gamma", "delta"];
    for (const [i, name] of names.entries())
      await installer.install(labContainer(lab, name, i + 1));
    for (const name of names)
      await lab.run(["systemctl", "start", `container@${name}.service`], { timeoutMs: 90_000 });
    expect([...(await machinectl(lab.runner).listRunning()).keys()].sort()).toEqual(
      [...names].sort(),
    );

    // gamma: stopped as voxnix's stop does it (power.ts): the unit, then its link.
    await lab.run(["systemctl", "stop", "container@gamma.service"], { timeoutMs: 90_000 });
    await installer.startAtBoot("gamma", false);
    // delta: stopped as voxnix did before the fix, its link left in place.
    await lab.run(["systemctl", "stop", "container@delta.service"], { timeoutMs: 90_000 });
    const wants = (name: string) =>
      lab.path(`/etc/systemd-mutable/system/machines.target.wants/container@${name}.service`);
    // Links to the template's path in the lab: looked at, not followed.
    const linked = (name: string) =>
      lstatSync(wants(name), { throwIfNoEntry: false }) !== undefined;
    expect(linked("gamma")).toBe(false);
    expect(linked("delta")).toBe(true);

    const bootsBefore = (await lab.run(["journalctl", "--list-boots", "--no-pager", "-q"])).stdout;
    await lab.reboot();
    // Another boot of the same machine.
    const bootsAfter = (await lab.run(["journalctl", "--list-boots", "--no-pager", "-q"])).stdout;
    expect(bootsAfter.trim().split("\n").length).toBe(bootsBefore.trim().split("\n").length + 1);

    // The boot has finished (bootLab waits for every start job): what runs now is what the
    // boot started.
    const running = [...(await machinectl(lab.runner).listRunning()).keys()].sort();
    // delta shows the defect the link's removal fixes: stopped by its owner, back after a reboot.
    expect(running).toEqual(["alpha", "beta", "delta"]);
    expect((await unitShow(lab, "container@gamma.service", ["ActiveState"])).ActiveState).toBe(
      "inactive",
    );
  }, 300_000);
});
