import { describe, expect, it } from "vitest";
import {
  cases,
  CRASH_CASE,
  consistentAfterRestart,
  FORKED_PURGE_STEPS,
  hostWithContainer,
  killDuring,
} from "../support/crash.js";
import { alice } from "../support/test-workloads.js";

const asRoot = process.getuid?.() === 0;
const WS = (name: string) => `tank/users/1001/containers/${name}`;

describe.skipIf(!asRoot)(
  "SIGKILL of (needs root: forks' files are really given to their ranges)",
  CRASH_CASE,
  () => {
    it.each(cases(FORKED_PURGE_STEPS))(
      "$variant during the purge of a forked workspace ($label) keeps every fork and what it inherited",
      async ({ fault, hostCommandToo }) => {
        const { host, env, stateDir, setup } = await hostWithContainer("dev", [], {
          realMounts: true,
        });
        const w = setup.workloads;
        host.setContent(WS("dev"), "dev at v1");
        await w.snapshot(alice, { name: "dev", snapshot: "v1" });
        // fork1 comes from v1 and has a v1 of its own; fork2 from a snapshot taken for it.
        await w.fork(alice, { source: "dev", name: "fork1", snapshot: "v1" });
        host.setContent(WS("fork1"), "fork1 at v1");
        await w.snapshot(alice, { name: "fork1", snapshot: "v1" });
        host.setContent(WS("dev"), "dev later");
        await w.fork(alice, { source: "dev", name: "fork2" });
        const { trashId } = await w.confirmDestroy(
          alice,
          (await w.requestDestroy(alice, { name: "dev" })).id,
        );

        await killDuring(env, ["trash", "purge", "--all"], fault, host, hostCommandToo);
        const { rows, trash } = await consistentAfterRestart(host, stateDir);
        expect(trash).toEqual([]);
        expect(rows.map((r) => r.name)).toEqual(["fork1", "fork2"]);
        // Every snapshot that was not only dev's is kept: fork1's own v1, dev's v1 that fork1
        // came from (renamed: fork1 has a v1), and the snapshot fork2 came from, now fork2's.
        const names = host.snapshots().map((s) => s.slice(s.indexOf("/containers/") + 12));
        expect(names.sort()).toEqual([
          "fork1@v1",
          `fork1@v1.${trashId}`,
          expect.stringMatching(/^fork2@fork-fork2-\d{8}t\d{6}$/),
        ]);
        expect(host.dataset(WS("fork1"))?.content).toBe("fork1 at v1");
        expect(host.dataset(WS("fork2"))?.content).toBe("dev later");
      },
    );
  },
);
