import { describe, expect, it } from "vitest";
import {
  cases,
  CRASH_CASE,
  consistentAfterRestart,
  hostWithContainer,
  killDuring,
  PURGE_STEPS,
  RESTART_STEPS,
} from "../support/crash.js";
import { alice } from "../support/test-workloads.js";

describe("SIGKILL of", CRASH_CASE, () => {
  it.each(cases(RESTART_STEPS))(
    "$variant during restart ($label) leaves the container with its real state once restarted",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir } = await hostWithContainer("dev");
      await killDuring(env, ["restart", "dev"], fault, host, hostCommandToo);
      const { rows } = await consistentAfterRestart(host, stateDir);
      expect(rows.map((r) => [r.name, r.state])).toEqual([
        ["dev", host.machines().includes("dev") ? "running" : "stopped"],
      ]);
    },
  );

  it.each(cases(PURGE_STEPS))(
    "$variant during a trash purge ($label) leaves no trash row without its workspace",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir, setup } = await hostWithContainer("dev");
      const request = await setup.workloads.requestDestroy(alice, { name: "dev" });
      await setup.workloads.confirmDestroy(alice, request.id);
      await killDuring(env, ["trash", "purge", "--all"], fault, host, hostCommandToo);
      const { trash } = await consistentAfterRestart(host, stateDir);
      // consistentAfterRestart holds trash rows and datasets equal; the purge was finished.
      expect(trash).toEqual([]);
    },
  );
});
