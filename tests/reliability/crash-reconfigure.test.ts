import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cases,
  consistentAfterRestart,
  hostWithContainer,
  killDuring,
  RECONFIGURE_STEPS,
} from "../support/crash.js";

describe("SIGKILL of", () => {
  it.each(cases(RECONFIGURE_STEPS))(
    "$variant during a change in place ($label) leaves the previous system installed and running",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir } = await hostWithContainer("dev", ["git"]);
      const conf = () => readFileSync(join(host.confDir, "dev.conf"), "utf8");
      const before = conf();
      await killDuring(
        env,
        ["set", "dev", "--add", "fish", "--cpu", "2"],
        fault,
        host,
        hostCommandToo,
      );
      const { rows } = await consistentAfterRestart(host, stateDir);
      expect(rows.map((r) => [r.name, r.state, r.spec.modules])).toEqual([
        ["dev", "running", ["git", "workspace"]],
      ]);
      // Interrupted before its commit, the change is undone: the conf, the system the container
      // runs, its limits and the staged spec are the registry's again.
      expect(conf()).toBe(before);
      expect(host.runningSystem("dev")).toBe(/^SYSTEM_PATH=(.*)$/m.exec(before)?.[1]);
      const limits = host.unitProperties("container@dev.service");
      if (Object.keys(limits).length > 0) expect(limits.CPUQuota).toBe("100%");
      const staged = JSON.parse(readFileSync(join(stateDir, "specs", "dev.json"), "utf8")) as {
        modules: string[];
      };
      expect(staged.modules).toEqual(["git", "workspace"]);
    },
  );
});
