import { describe, expect, it } from "vitest";
import {
  cases,
  CRASH_CASE,
  consistentAfterRestart,
  hostWithContainer,
  KILLS,
  killDuring,
  RESTORE_STEPS,
} from "../support/crash.js";
import { alice, testWorkloads } from "../support/test-workloads.js";

describe("a kill of", CRASH_CASE, () => {
  it.each(
    cases(RESTORE_STEPS, [
      ...KILLS.map((kill) => ({ ...kill, signal: "SIGKILL" as const })),
      // SIGTERM: the CLI stops its host commands and exits (a daemon past its stop timeout too).
      { variant: "the CLI (SIGTERM)", hostCommandToo: true, signal: "SIGTERM" as const },
    ]),
  )(
    "$variant during restore ($label) puts the workspace back in trash, restorable again",
    async ({ fault, hostCommandToo, signal }) => {
      const { host, env, stateDir, setup } = await hostWithContainer("old", ["git"]);
      host.setUsed("tank/users/1001/containers/old", 4096); // the tenant's files
      const request = await setup.workloads.requestDestroy(alice, { name: "old" });
      const { trashId } = await setup.workloads.confirmDestroy(alice, request.id);
      if (!trashId) throw new Error("destroy kept no workspace");
      // A deploy in between (a newer nixpkgs): the restore builds its system again, so every
      // step of a restore is there to be killed in.
      host.configure({ nixpkgs: "/nix/store/00000000000000000000000000000000-nixpkgs-25.11" });

      await killDuring(
        env,
        ["trash", "restore", trashId, "--as", "dev"],
        fault,
        host,
        hostCommandToo,
        signal,
      );
      const { rows, trash } = await consistentAfterRestart(host, stateDir);
      if (rows.length === 0) {
        // Undone: the workspace, with its data, is back under its trash id, and restores again.
        expect(trash).toEqual([`tank/users/1001/trash/${trashId}`]);
        expect(host.dataset(`tank/users/1001/trash/${trashId}`)?.usedBytes).toBe(4096);
        const again = await testWorkloads({ reuse: { host, stateDir } });
        expect(await again.workloads.restore(alice, { id: trashId, name: "dev" })).toMatchObject({
          name: "dev",
          state: "running",
        });
        expect(again.store.trash.listAll()).toEqual([]);
      } else {
        // It had been installed: the restored container is kept, and the trash entry is spent.
        expect(rows.map((r) => r.name)).toEqual(["dev"]);
        expect(trash).toEqual([]);
        expect(host.dataset("tank/users/1001/containers/dev")?.usedBytes).toBe(4096);
      }
    },
  );
});
