import { describe, expect, it } from "vitest";
import {
  cases,
  CRASH_CASE,
  consistentAfterRestart,
  DESTROY_STEPS,
  hostWithContainer,
  killDuring,
} from "../support/crash.js";

describe("SIGKILL of", CRASH_CASE, () => {
  it.each(cases(DESTROY_STEPS))(
    "$variant during destroy ($label) loses no workspace once restarted",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir } = await hostWithContainer("dev");
      await killDuring(env, ["destroy", "dev", "--yes"], fault, host, hostCommandToo);
      const { rows, trash } = await consistentAfterRestart(host, stateDir);
      // Either the destroy never really began (still there) or it finished with the workspace kept.
      if (rows.length === 0) expect(trash).toHaveLength(1);
      else expect(rows.map((r) => r.name)).toEqual(["dev"]);
    },
  );
});
