// SIGKILL during the idle policy's own actions (issue 14): an automatic stop and an automatic
// move to the trash are the leased stop and destroy, so the registry and the host agree after
// any kill, and the workspace is never lost.
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cases,
  CRASH_CASE,
  consistentAfterRestart,
  DESTROY_STEPS,
  hostWithContainer,
  killDuring,
} from "../support/crash.js";
import { alice } from "../support/test-workloads.js";

/** Makes the policy's memory of `name` say it was last used, or stopped, long ago. */
function longAgo(stateDir: string, name: string) {
  const db = new Database(join(stateDir, "voxnix.sqlite"));
  db.prepare("UPDATE container_activity SET last_active_at = 0, sampled_at = 0 WHERE name = ?").run(
    name,
  );
  db.prepare("UPDATE containers SET updated_at = 0 WHERE name = ?").run(name);
  db.close();
}

const STOP_STEPS = [
  {
    label: "container stop",
    fault: { command: "nixos-container stop", action: "gate", gate: "crash" } as const,
  },
];

describe("SIGKILL of", CRASH_CASE, () => {
  it.each(cases(STOP_STEPS))(
    "$variant during an idle stop ($label) leaves the container with its real state",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir, setup } = await hostWithContainer("dev");
      await setup.workloads.idlePass(); // the first look
      longAgo(stateDir, "dev");
      await killDuring(env, ["idle"], fault, host, hostCommandToo);
      const { rows } = await consistentAfterRestart(host, stateDir);
      expect(rows.map((r) => [r.name, r.state])).toEqual([
        ["dev", host.machines().includes("dev") ? "running" : "stopped"],
      ]);
    },
  );

  it.each(cases(DESTROY_STEPS))(
    "$variant during an automatic move to the trash ($label) keeps the workspace",
    async ({ fault, hostCommandToo }) => {
      const { host, env, stateDir, setup } = await hostWithContainer("dev");
      await setup.workloads.stop(alice, { name: "dev" });
      longAgo(stateDir, "dev");
      await killDuring(env, ["idle"], fault, host, hostCommandToo);
      const { rows, trash } = await consistentAfterRestart(host, stateDir);
      // Either still a container, or finished into the trash: the workspace is somewhere.
      expect(rows.length + trash.length).toBe(1);
    },
  );
});
