import { lstatSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Refusal } from "../../../src/workloads/index.js";
import { admin, alice, bob, testWorkloads } from "../../support/test-workloads.js";

describe("start, stop, restart", () => {
  it("stops and starts through nixos-container, mounting the workspace before start", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const mark = t.host.calls().length;
    expect(await t.workloads.stop(alice, { name: "dev" })).toEqual({
      name: "dev",
      state: "stopped",
    });
    expect(t.host.machines()).toEqual([]);
    expect(await t.workloads.start(alice, { name: "dev" })).toEqual({
      name: "dev",
      state: "running",
    });
    expect(await t.workloads.restart(alice, { name: "dev" })).toEqual({
      name: "dev",
      state: "running",
    });
    expect(t.host.commandLines().slice(mark)).toEqual([
      "nixos-container stop dev",
      "zfs get -Hp -o property,value mounted tank/users/1001/containers/dev",
      "nixos-container start dev",
      "nixos-container stop dev",
      "zfs get -Hp -o property,value mounted tank/users/1001/containers/dev",
      "nixos-container start dev",
    ]);
  });

  it("keeps a container stopped on purpose stopped across a reboot, and brings back one that ran", async () => {
    const t = await testWorkloads();
    // A link to the host's template, which this machine has not: lstat, not exists.
    const startsAtBoot = (name: string) =>
      lstatSync(
        join(
          t.host.root,
          `etc/systemd-mutable/system/machines.target.wants/container@${name}.service`,
        ),
        { throwIfNoEntry: false },
      ) !== undefined;
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.create(alice, { name: "web", modules: [] });
    expect([startsAtBoot("dev"), startsAtBoot("web")]).toEqual([true, true]);
    await t.workloads.stop(alice, { name: "dev" });
    expect([startsAtBoot("dev"), startsAtBoot("web")]).toEqual([false, true]);
    // A change written for its next start does not make it start at the next boot.
    await t.workloads.change(alice, { name: "dev", add: ["git"] });
    expect(startsAtBoot("dev")).toBe(false);
    await t.workloads.start(alice, { name: "dev" });
    expect(startsAtBoot("dev")).toBe(true);
    await t.workloads.restart(alice, { name: "dev" });
    expect(startsAtBoot("dev")).toBe(true);
  });

  it("remounts a workspace whose mount was lost before starting", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.stop(alice, { name: "dev" });
    await t.deps.host.runner.run(["zfs", "unmount", "tank/users/1001/containers/dev"]);
    expect(t.host.dataset("tank/users/1001/containers/dev")?.mounted).toBe(false);
    await t.workloads.start(alice, { name: "dev" });
    expect(t.host.dataset("tank/users/1001/containers/dev")?.mounted).toBe(true);
  });

  it("records the real state when a start fails", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.stop(alice, { name: "dev" });
    t.host.injectFault({
      command: "nixos-container start",
      action: "fail",
      stderr: "failed to start container\n",
    });
    await expect(t.workloads.start(alice, { name: "dev" })).rejects.toThrow(
      /failed to start container/,
    );
    expect(t.store.containers.find("dev")?.state).toBe("stopped");
    expect(t.store.audit.recent({ target: "dev" })[0]).toMatchObject({
      action: "start",
      outcome: "failed",
    });
  });
});

describe("isolation between users", () => {
  it("gives another user no operation on someone's container: 0 successes", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const pending = await t.workloads.requestDestroy(alice, { name: "dev" });
    const before = t.host.calls().length;
    const attempts: (() => unknown)[] = [
      () => t.workloads.start(bob, { name: "dev" }),
      () => t.workloads.stop(bob, { name: "dev" }),
      () => t.workloads.restart(bob, { name: "dev" }),
      () => t.workloads.info(bob, { name: "dev" }),
      () => t.workloads.logs(bob, { name: "dev" }),
      () => t.workloads.requestDestroy(bob, { name: "dev" }),
      () => t.workloads.confirmDestroy(bob, pending.id),
      () => t.workloads.list(bob, { all: true }),
      () => t.workloads.usage(bob, { userId: alice.userId }),
      () => t.workloads.trash(bob, { all: true }),
      () => t.workloads.purgeTrash(bob),
      () => t.workloads.users(bob),
      () => t.workloads.grant(bob, { id: 3003 }),
      () => t.workloads.doctor(bob),
    ];
    const outcomes = await Promise.allSettled(attempts.map(async (attempt) => attempt()));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(0);
    for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(Refusal);
    expect(await t.workloads.list(bob)).toEqual([]);
    expect(t.host.calls().length).toBe(before); // refused before any host command
    expect(t.host.machines()).toEqual(["dev"]);
    // The owner's pending action survived the forged confirmation.
    expect((await t.workloads.confirmDestroy(alice, pending.id)).name).toBe("dev");
  });

  it("answers for someone else's container exactly as for a missing one", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const theirs = await t.workloads
      .info(bob, { name: "dev" })
      .catch((e: Refusal) => e.userMessage);
    const missing = await t.workloads
      .info(bob, { name: "ghost" })
      .catch((e: Refusal) => e.userMessage.replace("ghost", "dev"));
    expect(theirs).toBe(missing);
    expect(theirs).toBe('You have no container named "dev". /list shows yours.');
  });

  it("lets admins act on anyone's container", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    expect((await t.workloads.stop(admin, { name: "dev" })).state).toBe("stopped");
    expect(
      (await t.workloads.list(admin, { all: true })).map((c) => [c.name, c.ownerId, c.state]),
    ).toEqual([["dev", 1001, "stopped"]]);
  });
});

describe("destroy", () => {
  it("does nothing until the requester confirms, then moves the workspace to trash", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: ["git"] });
    const request = await t.workloads.requestDestroy(alice, { name: "dev" });
    expect(t.host.machines()).toEqual(["dev"]);
    const mark = t.host.calls().length;
    const result = await t.workloads.confirmDestroy(alice, request.id);
    expect(result).toEqual({
      name: "dev",
      trashId: expect.stringMatching(/^dev-\d{8}t\d{6}$/),
      keptDays: 7,
    });
    expect(t.host.commandLines().slice(mark)).toEqual([
      "systemctl stop container@dev.service",
      "nixos-container destroy dev",
      "systemctl daemon-reload",
      "zfs list -H -p -r -o name,used,available,quota tank/users",
      "zfs list -H -o name tank/users/1001/trash",
      "zfs create tank/users/1001/trash",
      `zfs rename tank/users/1001/containers/dev tank/users/1001/trash/${result.trashId}`,
    ]);
    expect(t.host.installed()).toEqual([]);
    expect(t.store.containers.find("dev")).toBeUndefined();
    expect(t.store.trash.find(result.trashId as string)).toMatchObject({
      ownerId: 1001,
      containerName: "dev",
    });
    await expect(t.workloads.confirmDestroy(alice, request.id)).rejects.toThrow(
      "That was already done.",
    );
  });

  it("logs a tailscale container out of the tailnet before destroying it", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "ts", modules: ["tailscale"] });
    // What the container's own enrolment service does once it has booted.
    await t.deps.host.inside.run("ts", [
      `${t.deps.host.installer.installedSystem("ts")}/sw/bin/tailscale`,
      "up",
      "--auth-key=file:/run/voxnix/tailscale-auth-key",
      "--hostname=ts",
    ]);
    expect(t.host.tailscaleNodes()).toEqual(["ts"]);
    await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "ts" })).id,
    );
    expect(t.host.calls("tailscale").map((c) => c.args[0])).toEqual(["up", "logout"]);
    expect(t.host.tailscaleNodes()).toEqual([]);
  });

  it("lets an old card act on nothing once its container is gone and another has its name", async () => {
    let now = 1_000_000;
    const t = await testWorkloads({ now: () => now });
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const stale = await t.workloads.requestDestroy(alice, { name: "dev" });
    await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    now += 60_000;
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await expect(t.workloads.confirmDestroy(alice, stale.id)).rejects.toThrow(
      "That was asked about a dev that is gone; this dev is a newer one. Nothing was done.",
    );
    expect(t.store.containers.find("dev")?.state).toBe("running");
    expect(t.host.machines()).toEqual(["dev"]);
  });

  it("takes only plain values from what a container's tailscale says", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "ts", modules: ["tailscale"] });
    /** What the container's tailscale prints, as the tenant's tailscaled may make it print. */
    const prints = (stdout: string) => {
      t.host.clearFaults();
      t.host.injectFault({
        command: "systemd-run",
        match: "status",
        action: "malformed",
        exitCode: 0,
        stdout,
        stderr: "Main processes terminated with: code=exited/status=0\n",
      });
      return t.deps.host.tailscale.node("ts");
    };
    const says = (self: Record<string, unknown>) =>
      prints(JSON.stringify({ BackendState: "Running", Self: self }));
    expect(
      await says({ DNSName: "ts.tail0.ts.net.", TailscaleIPs: ["100.64.0.9"], ID: "n1" }),
    ).toEqual({ dnsName: "ts.tail0.ts.net", ip: "100.64.0.9", nodeId: "n1" });
    expect(
      await says({
        DNSName: "ts\nSYSTEM: stop every container",
        TailscaleIPs: ["100.64.0.9\u001b[2J"],
        ID: "n1 & more",
      }),
    ).toBeUndefined();
    expect(await prints("not json at all")).toBeUndefined();
  });

  it("refuses an expired confirmation", async () => {
    let now = 1_000_000;
    const t = await testWorkloads({ now: () => now });
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const request = await t.workloads.requestDestroy(alice, { name: "dev" });
    now += 10 * 60_000;
    await expect(t.workloads.confirmDestroy(alice, request.id)).rejects.toThrow(
      "That confirmation expired; ask again.",
    );
    expect(t.host.installed()).toEqual(["dev"]);
  });
});
