// The daemon as a host runs it (issue 24): `voxnix serve` as voxnix.service of the lab's real
// systemd 257, with the unit's confinement as nix/module.nix gives it (tests/lab/files/
// voxnix.service, its header says how it differs), driven through the Bot API emulator as a
// user would, creating and stopping a real container from the lab's container@ template, and
// coming back from a crash and a reboot. The emulator runs in this process; the lab reaches it
// through a relay between the two loopbacks (relayIntoLab). The lab has no Nix and no ZFS:
// stand-ins for nix-build, nix-instantiate and nixos-container (tests/lab/files, each header
// says what it stands in for), and dir storage.
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startBotApiServer, type BotApiServer } from "../fakes/bot-api-server.js";
import {
  bootLab,
  cannotRunLab,
  relayIntoLab,
  STORE,
  unitShow,
  waitForUnit,
  until,
  type Lab,
  type LabRelay,
} from "../support/lab.js";
import { REPO_ROOT } from "../support/test-workloads.js";

const cannot = cannotRunLab();
const FILES = join(REPO_ROOT, "tests/lab/files");
/** VOXNIX_ADMINS in voxnix.service. */
const ADMIN = 1001;
const UNIT = "voxnix.service";
const DEV = "container@dev.service";
const WANTS = "/etc/systemd-mutable/system/machines.target.wants/container@dev.service";

/**
 * voxnix.service installed as the module installs it, and what it needs in the lab: the
 * tmpfiles rules that make its writable paths, the bot token as the credential's file, the
 * daemon's bundle where ExecStart runs it, the Nix stand-ins on its PATH. Enabled, so a boot
 * starts it; started.
 */
async function installVoxnix(lab: Lab, botToken: string) {
  const put = (path: string, content: string | Buffer, mode: number) => {
    mkdirSync(dirname(lab.path(path)), { recursive: true, mode: 0o755 });
    writeFileSync(lab.path(path), content, { mode });
  };
  const file = (name: string) => readFileSync(join(FILES, name));
  mkdirSync(lab.path("/usr/local/lib/voxnix"), { recursive: true });
  symlinkSync(inject("voxnixMain"), lab.path("/usr/local/lib/voxnix/main.js"));
  for (const tool of ["nix-build", "nix-instantiate", "nixos-container"])
    put(`/usr/local/bin/${tool}`, file(tool), 0o755);
  mkdirSync(lab.path(STORE.nixpkgs), { recursive: true });
  put("/etc/voxnix/bot-token", `${botToken}\n`, 0o600);
  put("/etc/tmpfiles.d/voxnix.conf", file("voxnix.tmpfiles"), 0o644);
  put(`/etc/systemd/system/${UNIT}`, file(UNIT), 0o644);
  await lab.run(["systemd-tmpfiles", "--create", "/etc/tmpfiles.d/voxnix.conf"]);
  await lab.run(["systemctl", "daemon-reload"]);
  await lab.run(["systemctl", "enable", "--now", UNIT]);
}

describe.skipIf(cannot)(`voxnix serve as a unit of systemd 257 (lab: ${cannot ?? "runs"})`, () => {
  let lab: Lab;
  let api: BotApiServer;
  let relay: LabRelay | undefined;
  beforeAll(async () => {
    api = await startBotApiServer();
    lab = await bootLab("serve");
    relay = await relayIntoLab(lab, Number(new URL(api.url).port));
    await installVoxnix(lab, api.token);
  }, 180_000);
  afterAll(async () => {
    await relay?.close();
    await lab?.dispose();
    await api?.close();
  }, 120_000);

  /** The daemon's journal (every boot), one line a record. */
  const journal = async () =>
    (await lab.run(["journalctl", "-u", UNIT, "-o", "cat", "--no-pager"])).stdout;
  /** The daemon's log records (its JSON lines), amid systemd's own lines about the unit. */
  const records = async () =>
    (await journal())
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg: string; level: number; err?: { message: string } });
  /** Their messages. */
  const logged = async () => (await records()).map((record) => record.msg);
  /** What it warned of or failed at (pino: warn is 40), with the error's own message. */
  const problems = async () =>
    (await records())
      .filter((record) => record.level >= 40)
      .map((record) => `${record.msg}${record.err ? `: ${record.err.message}` : ""}`);
  /** Sends `text` as the admin and waits for the bot's answer to it that `reply` matches. */
  const ask = (text: string, reply: (text: string) => boolean, ms = 60_000) => {
    const asked = api.sendText(ADMIN, text);
    return api.waitFor(ADMIN, (m) => m.message_id > asked && reply(m.text), ms);
  };
  const machineState = async () =>
    lab.run(["machinectl", "show", "dev", "--property=State"], { allowFailure: true });

  it("serves from its confined unit: /new starts a container under the lab's systemd-nspawn", async () => {
    const { MainPID } = await waitForUnit(lab, UNIT, "active", 60_000, "running").then(() =>
      unitShow(lab, UNIT, ["MainPID"]),
    );
    // Confined as the unit says, by the lab's systemd: the module's capabilities alone (chown,
    // dac_override, dac_read_search, fowner, linux_immutable, sys_chroot, sys_ptrace,
    // sys_admin), no new privileges, a system call filter.
    const status = (await lab.run(["cat", `/proc/${MainPID}/status`])).stdout;
    expect(status).toMatch(/^CapBnd:\t00000000002c020f$/m);
    expect(status).toMatch(/^NoNewPrivs:\t1$/m);
    expect(status).toMatch(/^Seccomp:\t2$/m);
    const created = await ask(
      "/new dev git",
      (text) => text.startsWith("✅") || text.startsWith("❌") || text.startsWith("⚠️"),
      180_000,
    );
    expect({ reply: created.text, problems: await problems() }).toEqual({
      reply:
        "✅ dev is running (git, workspace).\nWithout Tailscale, the admin can open a shell: machinectl shell dev.",
      problems: [],
    });
    expect(
      (await lab.run(["machinectl", "show", "dev", "--property=State", "--property=Service"]))
        .stdout,
    ).toBe("Service=systemd-nspawn\nState=running\n");
    expect((await lab.run(["systemctl", "is-active", DEV])).stdout).toBe("active\n");
    // The system nix-build's stand-in gave, in the conf voxnix wrote; a boot starts it.
    expect(readFileSync(lab.path("/etc/nixos-containers/dev.conf"), "utf8")).toContain(
      `SYSTEM_PATH=${STORE.tenantSystem}\n`,
    );
    expect(lstatSync(lab.path(WANTS)).isSymbolicLink()).toBe(true);
    // Its host commands start from voxnix-spawn (src/host/spawn-helper.c), its child under the
    // same confinement, rather than forked from its heap.
    const helpers = await lab.run([
      "sh",
      "-c",
      `grep -l '^PPid:[[:space:]]*${MainPID}$' /proc/[0-9]*/status | xargs grep -h '^Name:'`,
    ]);
    expect(helpers.stdout).toContain("voxnix-spawn");
    // The way in from the confined daemon: /logs reads the container's journal through its
    // own systemd (systemd-run --machine, src/host/container-exec.ts).
    const logs = await ask("/logs dev", (text) => !text.startsWith("Reading the logs"));
    expect(logs.text).toMatch(/^Last lines of dev:\n/);
    // Which of its lines comes first depends on how the boot's lines interleave: any will do.
    expect(logs.text).toMatch(/^.* dev systemd\[1\]: /m);

    expect(await logged()).toEqual(expect.arrayContaining(["serving"]));
    expect(await problems()).toEqual([]);
    expect(await journal()).not.toContain(api.token);
  }, 240_000);

  it("a SIGKILL of the daemon: Restart=on-failure brings it back, the container runs on", async () => {
    const before = await unitShow(lab, UNIT, ["MainPID", "NRestarts"]);
    expect(before.NRestarts).toBe("0");
    await lab.run(["systemctl", "kill", "--signal=KILL", UNIT]);
    // Started again after RestartSec=5s, and counted.
    let after: Record<string, string> = {};
    const restarted = await until(async () => {
      after = await unitShow(lab, UNIT, ["SubState", "MainPID", "NRestarts"]);
      return after.SubState === "running" && after.NRestarts === "1";
    }, 60_000);
    expect({ restarted, after }).toMatchObject({ restarted: true });
    expect(after.MainPID).not.toBe(before.MainPID);
    expect((await machineState()).stdout).toBe("State=running\n");

    const list = await ask("/list", (text) => text.startsWith("Your containers"));
    expect(list.text).toMatch(/^Your containers\n🟢 dev running · git · \d/);
    // The restarted daemon logs as the first did, and the token still is nowhere.
    expect((await logged()).filter((msg) => msg === "serving")).toHaveLength(2);
    expect(await problems()).toEqual([]);
    expect(await journal()).not.toContain(api.token);
  }, 120_000);

  it("/stop stops the container and removes its wants link", async () => {
    await ask("/stop dev", (text) => text === "dev is stopped.", 120_000);
    const active = await lab.run(["systemctl", "is-active", DEV], { allowFailure: true });
    expect({ exitCode: active.exitCode, stdout: active.stdout }).toEqual({
      exitCode: 3,
      stdout: "inactive\n",
    });
    const machine = await machineState();
    expect({ exitCode: machine.exitCode, stderr: machine.stderr }).toEqual({
      exitCode: 1,
      stderr: "Could not get path to machine: No machine 'dev' known\n",
    });
    expect(lstatSync(lab.path(WANTS), { throwIfNoEntry: false })).toBeUndefined();
  }, 180_000);

  it("a reboot brings the daemon back and not the container stopped on purpose; it still knows it", async () => {
    await lab.reboot();
    // The boot has finished (bootLab waits for every start job): enabled, the daemon started.
    const daemon = await unitShow(lab, UNIT, ["ActiveState", "SubState", "NRestarts"]);
    expect(daemon).toEqual({ ActiveState: "active", SubState: "running", NRestarts: "0" });
    expect((await unitShow(lab, DEV, ["ActiveState"])).ActiveState).toBe("inactive");

    const list = await ask("/list", (text) => text.startsWith("Your containers"));
    expect(list.text).toMatch(/^Your containers\n⚪ dev stopped · git · \d/);
    expect((await unitShow(lab, DEV, ["ActiveState"])).ActiveState).toBe("inactive");
    // Three starts, a graceful stop at the shutdown; nothing worse than info in either boot.
    expect((await logged()).filter((msg) => msg === "serving" || msg === "stopping")).toEqual([
      "serving",
      "serving",
      "stopping",
      "serving",
    ]);
    expect(await problems()).toEqual([]);
    expect(await journal()).not.toContain(api.token);
  }, 300_000);
});
