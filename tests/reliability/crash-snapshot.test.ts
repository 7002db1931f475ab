import { describe, expect, it } from "vitest";
import {
  cases,
  CRASH_CASE,
  consistentAfterRestart,
  hostWithContainer,
  killDuring,
  ROLLBACK_STEPS,
  SNAPSHOT_STEPS,
} from "../support/crash.js";
import { alice } from "../support/test-workloads.js";

const WS = "tank/users/1001/containers/dev";

describe("SIGKILL of", CRASH_CASE, () => {
  it.each(cases(SNAPSHOT_STEPS))(
    "$variant during a snapshot ($label) leaves it taken or not, and the container as it was",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir } = await hostWithContainer("dev");
      await killDuring(env, ["snapshots", "take", "dev", "one"], fault, host, hostCommandToo);
      const { rows } = await consistentAfterRestart(host, stateDir);
      expect(rows.map((r) => [r.name, r.state])).toEqual([["dev", "running"]]);
      expect([[], [`${WS}@one`]]).toContainEqual(host.snapshots());
    },
  );

  it.each(cases(ROLLBACK_STEPS))(
    "$variant during a rollback ($label) ends rolled back or as before, losing no work, running again",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir, setup } = await hostWithContainer("dev");
      host.setContent(WS, "good work");
      await setup.workloads.snapshot(alice, { name: "dev", snapshot: "good" });
      host.setContent(WS, "broken work");

      await killDuring(env, ["rollback", "dev", "good", "--yes"], fault, host, hostCommandToo);
      const { rows, trash } = await consistentAfterRestart(host, stateDir);
      expect(rows.map((r) => [r.name, r.state])).toEqual([["dev", "running"]]);
      expect(host.machines()).toEqual(["dev"]);
      if (trash.length === 0) {
        // Undone: the workspace is as it was, and the snapshot is still there to roll back to,
        // with no safety snapshot left of a state that was never replaced.
        expect(host.dataset(WS)?.content).toBe("broken work");
        expect(host.snapshots()).toEqual([`${WS}@good`]);
      } else {
        // Finished: the snapshot's state is the workspace, and what it replaced is in the trash.
        expect(trash).toEqual([expect.stringMatching(/^tank\/users\/1001\/trash\/dev-/)]);
        expect(host.dataset(WS)?.content).toBe("good work");
        expect(host.dataset(trash[0] as string)?.content).toBe("broken work");
      }
    },
  );
});
