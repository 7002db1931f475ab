import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost } from "../fakes/fake-host.js";
import { cases, consistentAfterRestart, DESTROY_STEPS, killDuring } from "../support/crash.js";
import { alice, testWorkloads } from "../support/test-workloads.js";
import { fakeHostEnv } from "../support/voxnix-process.js";

describe("SIGKILL of", () => {
  it.each(cases(DESTROY_STEPS))(
    "$variant during destroy ($label) loses no workspace once restarted",
    async ({ fault, hostCommandToo }) => {
      const host = await createFakeHost();
      onTestFinished(() => host.cleanup());
      const env = fakeHostEnv(host);
      const stateDir = env.VOXNIX_STATE_DIR as string;
      const before = await testWorkloads({ reuse: { host, stateDir } });
      await before.workloads.create(alice, { name: "dev", modules: [] });
      await killDuring(env, ["destroy", "dev", "--yes"], fault, host, hostCommandToo);
      const { rows, trash } = await consistentAfterRestart(host, stateDir);
      // Either the destroy never really began (still there) or it finished with the workspace kept.
      if (rows.length === 0) expect(trash).toHaveLength(1);
      else expect(rows.map((r) => r.name)).toEqual(["dev"]);
    },
  );
});
