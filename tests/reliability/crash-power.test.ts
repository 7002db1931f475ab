import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost } from "../fakes/fake-host.js";
import {
  cases,
  consistentAfterRestart,
  killDuring,
  PURGE_STEPS,
  RESTART_STEPS,
} from "../support/crash.js";
import { alice, testWorkloads } from "../support/test-workloads.js";
import { fakeHostEnv } from "../support/voxnix-process.js";

describe("SIGKILL of", () => {
  it.each(cases(RESTART_STEPS))(
    "$variant during restart ($label) leaves the container with its real state once restarted",
    async ({ fault, hostCommandToo }) => {
      const host = await createFakeHost();
      onTestFinished(() => host.cleanup());
      const env = fakeHostEnv(host);
      const stateDir = env.VOXNIX_STATE_DIR as string;
      const setup = await testWorkloads({ reuse: { host, stateDir } });
      await setup.workloads.create(alice, { name: "dev", modules: [] });
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
      const host = await createFakeHost();
      onTestFinished(() => host.cleanup());
      const env = fakeHostEnv(host);
      const stateDir = env.VOXNIX_STATE_DIR as string;
      const setup = await testWorkloads({ reuse: { host, stateDir } });
      await setup.workloads.create(alice, { name: "dev", modules: [] });
      const request = setup.workloads.requestDestroy(alice, { name: "dev" });
      await setup.workloads.confirmDestroy(alice, request.id);
      await killDuring(env, ["trash", "purge", "--all"], fault, host, hostCommandToo);
      const { trash } = await consistentAfterRestart(host, stateDir);
      // consistentAfterRestart holds trash rows and datasets equal; the purge was finished.
      expect(trash).toEqual([]);
    },
  );
});
