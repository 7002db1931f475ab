import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cases,
  CRASH_CASE,
  consistentAfterRestart,
  hostWithContainer,
  killDuring,
  RECONFIGURE_STEPS,
  STOPPED_RECONFIGURE_STEPS,
} from "../support/crash.js";
import { alice } from "../support/test-workloads.js";

describe("SIGKILL of", CRASH_CASE, () => {
  it.each(cases(RECONFIGURE_STEPS))(
    "$variant during a change in place ($label) ends all before or all after, and running",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir } = await hostWithContainer("dev", ["git"]);
      const system = () =>
        /^SYSTEM_PATH=(.*)$/m.exec(readFileSync(join(host.confDir, "dev.conf"), "utf8"))?.[1];
      const before = system();
      await killDuring(
        env,
        ["set", "dev", "--add", "fish", "--cpu", "2"],
        fault,
        host,
        hostCommandToo,
      );
      const { rows } = await consistentAfterRestart(host, stateDir);
      const [row] = rows;
      expect(rows.map((r) => [r.name, r.state])).toEqual([["dev", "running"]]);
      const forward = row?.spec.modules.includes("fish") ?? false;
      // Interrupted before the registry took the change, it is undone; after, finished: the
      // registry, the staged spec, the conf, the system the container runs and its limits agree.
      expect(row?.spec).toMatchObject(
        forward
          ? { modules: ["fish", "git", "workspace"], limits: { cpus: 2 } }
          : { modules: ["git", "workspace"], limits: { cpus: 1 } },
      );
      const staged = JSON.parse(readFileSync(join(stateDir, "specs", "dev.json"), "utf8")) as {
        modules: string[];
      };
      expect(staged.modules).toEqual(row?.spec.modules);
      if (forward) expect(system()).not.toBe(before);
      else expect(system()).toBe(before);
      expect(host.runningSystem("dev")).toBe(system());
      const limits = host.unitProperties("container@dev.service");
      if (Object.keys(limits).length > 0) expect(limits.CPUQuota).toBe(forward ? "200%" : "100%");
    },
  );

  it.each(cases(STOPPED_RECONFIGURE_STEPS))(
    "$variant during a stopped container's change of limits ($label) ends all before or all after",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir, setup } = await hostWithContainer("dev", ["git"]);
      await setup.workloads.stop(alice, { name: "dev" });
      const dropIn = () =>
        readFileSync(
          join(host.root, "etc/systemd-mutable/system/container@dev.service.d/voxnix.conf"),
          "utf8",
        );
      await killDuring(env, ["set", "dev", "--memory", "3G"], fault, host, hostCommandToo);
      const { rows } = await consistentAfterRestart(host, stateDir);
      const [row] = rows;
      expect(rows.map((r) => [r.name, r.state])).toEqual([["dev", "stopped"]]);
      // The drop-in says what the registry says, before or after.
      expect(dropIn()).toContain(`MemoryMax=${row?.spec.limits.memoryBytes}`);
      expect(host.machines()).toEqual([]);
    },
  );
});
