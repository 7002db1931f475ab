import { describe, expect, it } from "vitest";
import {
  cases,
  CRASH_CASE,
  consistentAfterRestart,
  FORK_STEPS,
  hostWithContainer,
  killDuring,
} from "../support/crash.js";

const SRC = "tank/users/1001/containers/dev";
const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)(
  "SIGKILL of (needs root: the fork's files are really given to its range)",
  CRASH_CASE,
  () => {
    it.each(cases(FORK_STEPS))(
      "$variant during a fork ($label) leaves the fork whole or gone, and its source untouched",
      async ({ fault, hostCommandToo }) => {
        const { host, env, stateDir } = await hostWithContainer("dev", ["git"], {
          realMounts: true,
        });
        host.setContent(SRC, "the source's work");
        await killDuring(env, ["fork", "dev", "dev2"], fault, host, hostCommandToo);
        const { rows } = await consistentAfterRestart(host, stateDir);
        const names = rows.map((r) => r.name);
        expect([["dev"], ["dev", "dev2"]]).toContainEqual(names);
        expect(host.dataset(SRC)?.content).toBe("the source's work");
        expect(rows.find((r) => r.name === "dev")?.state).toBe("running");
        if (names.includes("dev2"))
          expect(host.dataset("tank/users/1001/containers/dev2")?.content).toBe(
            "the source's work",
          );
        // The source is free again: nothing holds it.
        expect(rows.every((r) => r.state === "running" || r.state === "stopped")).toBe(true);
      },
    );
  },
);
