import { describe, it, onTestFinished } from "vitest";
import { createFakeHost } from "../fakes/fake-host.js";
import {
  CRASH_CASE,
  CREATE_STEPS,
  cases,
  consistentAfterRestart,
  killDuring,
} from "../support/crash.js";
import { fakeHostEnv } from "../support/voxnix-process.js";

describe("SIGKILL of", CRASH_CASE, () => {
  it.each(cases(CREATE_STEPS))(
    "$variant during create ($label) leaves no orphan once restarted",
    async ({ fault, hostCommandToo }) => {
      const host = await createFakeHost();
      onTestFinished(() => host.cleanup());
      const env = fakeHostEnv(host);
      await killDuring(
        env,
        ["create", "dev", "--modules", "git", "--as", "1001"],
        fault,
        host,
        hostCommandToo,
      );
      await consistentAfterRestart(host, env.VOXNIX_STATE_DIR as string);
    },
  );
});
