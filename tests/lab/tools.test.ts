// A lab with the container@ template and no container in it: voxnix itself inside, the daemon's
// bundle (built for this run, tests/support/bundle.ts) run by the lab's systemd as a unit, with
// this machine's node and the repository bound in read-only, against the lab's real systemctl,
// machinectl and template (dir storage: the lab has no ZFS; no Nix either: doctor must say so,
// and only that); and what the real tools print for a container that is not running, held to
// what the fakes (tests/fakes/tools) print for the same argv.
import { inject } from "vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeHostShell } from "../support/fake-host-runner.js";
import { REPO_ROOT } from "../support/test-workloads.js";
import { bootLab, cannotRunLab, type Lab, type LabResult } from "../support/lab.js";

const cannot = cannotRunLab();

describe.skipIf(cannot)(`a host without containers, systemd 257 (lab: ${cannot ?? "runs"})`, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await bootLab("cli");
  }, 120_000);
  afterAll(async () => {
    await lab?.dispose();
  }, 120_000);

  /** `voxnix ARGS` as a transient unit of the lab's systemd, as an admin at its shell. */
  const voxnix = (args: string[]) =>
    lab.run(
      [
        "systemd-run",
        "--unit=voxnix-cli",
        "--pipe",
        "--wait",
        "--collect",
        "--quiet",
        "--service-type=exec",
        "--property=StateDirectory=voxnix",
        "--setenv=VOXNIX_ADMINS=1",
        "--setenv=VOXNIX_STORAGE=dir",
        "--setenv=VOXNIX_STATE_DIR=/var/lib/voxnix",
        `--setenv=VOXNIX_NIX_DIR=${REPO_ROOT}`,
        "--setenv=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
        "--working-directory=/var/lib/voxnix",
        "--",
        "/usr/local/bin/node",
        "--enable-source-maps",
        inject("voxnixMain"),
        ...args,
      ],
      { allowFailure: true, timeoutMs: 60_000 },
    );

  /** The same argv on the lab and on a fake host with the template and no containers. */
  const both = async (argv: [string, ...string[]]) => {
    const { sh } = await fakeHostShell({ settings: { templateUnit: true } });
    const real = await lab.run(argv, { allowFailure: true });
    const fake = await sh(...argv);
    return { real, fake };
  };
  const same = ({ real, fake }: { real: LabResult; fake: LabResult }) =>
    expect({ exitCode: fake.exitCode, stdout: fake.stdout, stderr: fake.stderr }).toEqual(real);

  it("a container that does not run: machinectl, journalctl and systemctl print what the fakes do", async () => {
    same(await both(["machinectl", "show", "absent", "--property=State", "--no-pager"]));
    same(await both(["machinectl", "list", "--output=json", "--no-pager"]));
    same(await both(["journalctl", "-M", "absent", "-n", "5", "--no-pager"]));
    same(await both(["journalctl", "-u", "container@absent.service", "-n", "5", "--no-pager"]));
    same(await both(["systemctl", "is-active", "container@absent.service"]));
    same(
      await both([
        "systemctl",
        "show",
        "container@absent.service",
        "--property=ActiveState,LoadState,ActiveEnterTimestamp,CPUUsageNSec,MemoryCurrent,MemoryPeak,NRestarts",
        "--no-pager",
      ]),
    );
    // status: its text differs by design (the fake's is short); its exit code, 3, does not.
    const status = await both(["systemctl", "status", "container@absent.service"]);
    expect([status.real.exitCode, status.fake.exitCode]).toEqual([3, 3]);
    same(await both(["systemctl", "cat", "nothing.service"]));
  }, 60_000);

  it("doctor finds the real tools and template; only Nix's tools are missing", async () => {
    const result = await voxnix(["doctor", "--json"]);
    const report = JSON.parse(result.stdout) as {
      checks: { name: string; ok: boolean; detail: string }[];
    };
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed.sort()).toEqual(
      ["nix-build on PATH", "nix-instantiate on PATH", "nixos-container on PATH"].sort(),
    );
    const ok = Object.fromEntries(report.checks.map((c) => [c.name, c.detail]));
    expect(ok["systemctl on PATH"]).toBe("/usr/bin/systemctl");
    expect(ok["machinectl on PATH"]).toBe("/usr/bin/machinectl");
    expect(ok["container@.service template (boot.enableContainers)"]).toBe("present");
    expect(ok["storage (dir)"]).toBe("0 user spaces");
    expect(ok["registry matches host"]).toBe("in agreement");
  }, 90_000);

  it("ls on the lab's real machinectl: no containers", async () => {
    const result = await voxnix(["ls", "--all", "--json"]);
    expect({ exitCode: result.exitCode, rows: JSON.parse(result.stdout) }).toEqual({
      exitCode: 0,
      rows: [],
    });
  }, 60_000);
});
