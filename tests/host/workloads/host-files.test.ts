import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { currentProcess, NO_PROCESS } from "../../../src/process-identity.js";
import {
  REPO_ROOT,
  alice,
  testWorkloads,
  type TestWorkloads,
} from "../../support/test-workloads.js";

const UNITS = "etc/systemd-mutable/system";
const conf = (t: TestWorkloads, name: string) =>
  join(t.host.root, `etc/nixos-containers/${name}.conf`);
const dropIn = (t: TestWorkloads, name: string) =>
  join(t.host.root, UNITS, `container@${name}.service.d/voxnix.conf`);
const wants = (t: TestWorkloads, name: string) =>
  join(t.host.root, UNITS, `machines.target.wants/container@${name}.service`);

/** What a voxnix from before the tun fix and a key that left its conf would have installed. */
function installAsAnOlderRelease(t: TestWorkloads, name: string) {
  const unit = readFileSync(dropIn(t, name), "utf8");
  expect(unit).toContain("DeviceAllow=/dev/net/tun rwm");
  writeFileSync(dropIn(t, name), unit.replace("DeviceAllow=/dev/net/tun rwm\n", ""));
  const text = readFileSync(conf(t, name), "utf8");
  expect(text).toContain('MACVLANS=""\n');
  writeFileSync(conf(t, name), text.replace('MACVLANS=""\n', ""));
}

/**
 * The 24.11 container@.service stand-in the lab boots (tests/lab/files), its scripts where its
 * ExecStart lines name them; `edit` changes the start script as a newer NixOS might.
 */
function installTemplate(t: TestWorkloads, edit: (start: string) => string = (s) => s) {
  const files = join(REPO_ROOT, "tests/lab/files");
  const unit = readFileSync(join(files, "container@.service"), "utf8");
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(t.host.root, path)), { recursive: true });
    writeFileSync(join(t.host.root, path), text);
  };
  put("etc/systemd/system/container@.service", unit);
  for (const [, setting, path] of unit.matchAll(/^(ExecStart\w*)=(\S+)$/gm)) {
    const script = { ExecStart: "start", ExecStartPre: "pre-start", ExecStartPost: "post-start" }[
      setting as "ExecStart"
    ];
    const text = readFileSync(join(files, `container-${script}.sh`), "utf8");
    put(path ?? "", setting === "ExecStart" ? edit(text) : text);
  }
}

describe("host files held to this voxnix and the host's template", () => {
  it("leaves what this voxnix installed alone: nothing to update after a create", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.create(alice, { name: "ts", modules: ["tailscale"] });
    await t.workloads.stop(alice, { name: "ts" });
    installTemplate(t);
    const files = () =>
      ["dev", "ts"].flatMap((name) => [
        readFileSync(conf(t, name), "utf8"),
        readFileSync(dropIn(t, name), "utf8"),
      ]);
    const before = files();
    expect(before[2]).toContain("--bind-ro="); // the key file: a conf with every kind of bind
    const report = await t.workloads.reconcile();
    expect(report.updated).toEqual([]);
    expect(report.reported).toEqual([]);
    expect(files()).toEqual(before);
  });

  it("rewrites an older release's conf and drop-in, keeping the system and a stop", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.create(alice, { name: "web", modules: [] });
    await t.workloads.stop(alice, { name: "web" });
    const expected = {
      dev: [readFileSync(conf(t, "dev"), "utf8"), readFileSync(dropIn(t, "dev"), "utf8")],
      web: [readFileSync(conf(t, "web"), "utf8"), readFileSync(dropIn(t, "web"), "utf8")],
    };
    const system = readlinkSync(join(t.host.root, "nix/var/nix/gcroots/voxnix/containers/dev"));
    for (const name of ["dev", "web"]) installAsAnOlderRelease(t, name);
    expect(existsSync(wants(t, "web"))).toBe(false);

    const reloads = () =>
      t.host.commandLines("systemctl").filter((c) => c.includes("daemon-reload"));
    const reloadsBefore = reloads().length;
    const report = await t.workloads.reconcile();
    expect(reloads().length - reloadsBefore).toBe(2); // systemd reads each new drop-in
    expect(report.updated).toEqual([
      "dev (owner 1001): its host files were brought up to date (MACVLANS, DeviceAllow); it reads them at its next start",
      "web (owner 1001): its host files were brought up to date (MACVLANS, DeviceAllow); it starts with them",
    ]);
    for (const name of ["dev", "web"] as const)
      expect([readFileSync(conf(t, name), "utf8"), readFileSync(dropIn(t, name), "utf8")]).toEqual(
        expected[name],
      );
    // The system and the boot-time start are the container's, not the files' to change.
    expect(readlinkSync(join(t.host.root, "nix/var/nix/gcroots/voxnix/containers/dev"))).toBe(
      system,
    );
    expect(lstatSync(wants(t, "dev")).isSymbolicLink()).toBe(true);
    expect(existsSync(wants(t, "web"))).toBe(false);
    expect(
      t.store.audit
        .recent()
        .filter((a) => a.action === "host-files")
        .reverse(),
    ).toMatchObject([
      { target: "dev", outcome: "ok", detail: { conf: ["MACVLANS"], dropIn: ["DeviceAllow"] } },
      { target: "web", outcome: "ok" },
    ]);
    expect(t.store.operations.listAll()).toEqual([]);
    // Once up to date, a pass changes nothing.
    expect((await t.workloads.reconcile()).updated).toEqual([]);
  });

  it("leaves a container under an operation to it", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    installAsAnOlderRelease(t, "dev");
    const begun = t.store.operations.begin({
      id: "held",
      kind: "restart",
      container: "dev",
      ownerId: alice.userId,
      actor: "tg:1001",
      holder: currentProcess(),
    });
    expect(begun.ok).toBe(true);
    const report = await t.workloads.reconcile();
    expect(report.updated).toEqual([]);
    expect(readFileSync(dropIn(t, "dev"), "utf8")).not.toContain("DeviceAllow");
  });

  it("ends a check whose process died, and does it again", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    installAsAnOlderRelease(t, "dev");
    t.store.operations.begin({
      id: "dead",
      kind: "reconfigure",
      container: "dev",
      ownerId: alice.userId,
      actor: "system",
      holder: NO_PROCESS,
    });
    t.store.operations.markMade("dead", "host-files");
    const report = await t.workloads.reconcile();
    expect(report.repaired).toEqual(["dev: its host files check was interrupted; checked again"]);
    expect(report.updated).toHaveLength(1);
    expect(readFileSync(dropIn(t, "dev"), "utf8")).toContain("DeviceAllow=/dev/net/tun rwm");
    expect(t.store.containers.find("dev")?.spec.modules).toEqual(["workspace"]);
  });

  it("tells the admins of a template that reads a key voxnix does not write", async () => {
    const t = await testWorkloads();
    installTemplate(t, (start) =>
      start.replace(
        "  --notify-ready=yes \\\n",
        '  --notify-ready=yes \\\n  --private-users="$PRIVATE_USERS" \\\n',
      ),
    );
    const report = await t.workloads.reconcile();
    expect(report.reported).toEqual([
      "the host's container@.service template reads PRIVATE_USERS, which voxnix does not write: containers start with the template's default for it. This voxnix was written for the template of nixpkgs 24.11 (docs/architecture.md, When the host changes); update voxnix before relying on new containers",
    ]);
  });

  it("tells the admins of a template that no longer reads a key voxnix writes", async () => {
    const t = await testWorkloads();
    installTemplate(t, (start) => start.replaceAll("$MACVLANS", "$MACVLAN_LIST"));
    const report = await t.workloads.reconcile();
    expect(report.reported).toEqual([
      expect.stringContaining("reads MACVLAN_LIST, which voxnix does not write"),
      "the host's container@.service template no longer reads MACVLANS, which voxnix writes into every container's conf: containers start without what it says (docs/architecture.md, When the host changes)",
    ]);
  });
});
