import { existsSync, lstatSync, readlinkSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { containerConf } from "../../../src/host/index.js";
import { fakeHostShell } from "../../support/fake-host-runner.js";
import { DEFAULT_LIMITS, REPO_ROOT } from "../../support/test-workloads.js";

const buildExpression = (spec: string) =>
  `import ${REPO_ROOT}/nix/mk-container.nix { modules = (builtins.fromJSON (builtins.readFile ${spec})).modules; }`;

/** Containers as voxnix installs them: a built system and the conf the template reads. */
async function hostWith(names: { installed?: string[]; running?: string[] }) {
  const shell = await fakeHostShell();
  for (const name of [...(names.installed ?? []), ...(names.running ?? [])]) {
    const spec = join(shell.host.dir, `${name}.json`);
    writeFileSync(spec, JSON.stringify({ name, modules: ["workspace"] }));
    const built = await shell.sh("nix-build", "-E", buildExpression(spec));
    await mkdir(shell.host.confDir, { recursive: true });
    await writeFile(
      join(shell.host.confDir, `${name}.conf`),
      containerConf({
        name,
        systemPath: built.stdout.trim(),
        workspace: `/tank/users/1001/containers/${name}`,
        address: { host: "10.100.0.1", local: "10.100.0.2" },
        limits: {
          cpus: DEFAULT_LIMITS.defaultCpus,
          memoryBytes: DEFAULT_LIMITS.defaultMemoryBytes,
          tasksMax: 4096,
        },
      }),
    );
    if (names.running?.includes(name)) await shell.sh("nixos-container", "start", name);
  }
  return shell;
}

describe("fake nix-build", () => {
  it("prints the system's path, links it, and gives one module set one path", async () => {
    const { sh, host } = await fakeHostShell({ settings: { buildDelayMs: 0 } });
    const spec = (name: string, modules: string[]) => {
      const path = join(host.dir, `${name}.json`);
      writeFileSync(path, JSON.stringify({ name, modules }));
      return path;
    };
    const link = join(host.dir, "result");
    const first = await sh(
      "nix-build",
      "--out-link",
      link,
      "-E",
      buildExpression(spec("a", ["git", "fish"])),
    );
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toMatch(/^these 1 derivations will be built:/);
    expect(first.stdout).toMatch(/\/nix\/store\/[0-9a-f]{32}-nixos-system-unnamed-25\.05\n$/);
    expect(lstatSync(link).isSymbolicLink() && readlinkSync(link)).toBe(first.stdout.trim());
    const again = await sh("nix-build", "-E", buildExpression(spec("b", ["fish", "git"])));
    // Already in the store: nothing is built, the same path comes back.
    expect(again).toEqual({ exitCode: 0, stdout: first.stdout, stderr: "" });
    const other = await sh("nix-build", "-E", buildExpression(spec("c", ["git"])));
    expect(other.stdout).not.toBe(first.stdout);
    expect(existsSync(other.stdout.trim())).toBe(true);
  });

  it("fails evaluation, as container-modules.nix does, for a module not in the library", async () => {
    const { sh, host } = await fakeHostShell();
    const path = join(host.dir, "x.json");
    writeFileSync(path, JSON.stringify({ name: "x", modules: ["gti"] }));
    expect(await sh("nix-build", "-E", buildExpression(path))).toEqual({
      exitCode: 1,
      stdout: "",
      stderr:
        'error: voxnix: unknown module "gti" (known: devtools, fish, git, tailscale, workspace)\n',
    });
  });
});

describe("fake nixos-container", () => {
  it("lists conf basenames, starts, stops and reports status", async () => {
    const { sh, host } = await hostWith({ installed: ["web", "dev"] });
    expect((await sh("nixos-container", "list")).stdout).toBe("dev\nweb\n");
    expect((await sh("nixos-container", "status", "dev")).stdout).toBe("down\n");
    await sh("nixos-container", "start", "dev");
    expect((await sh("nixos-container", "status", "dev")).stdout).toBe("up\n");
    expect(host.machines()).toEqual(["dev"]);
    await sh("nixos-container", "stop", "dev");
    expect(host.machines()).toEqual([]);
  });

  it("dies with curly quotes for an unknown container", async () => {
    const { sh } = await hostWith({});
    const result = await sh("nixos-container", "start", "ghost");
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("container ‘ghost’ does not exist");
  });

  it("refuses `run`: voxnix never enters a container without its user namespace", async () => {
    const { sh } = await hostWith({ running: ["dev"] });
    const result = await sh("nixos-container", "run", "dev", "--", "true");
    expect(result.exitCode).toBe(99);
  });

  it("shows the container's address", async () => {
    const { sh } = await hostWith({ running: ["dev"] });
    expect((await sh("nixos-container", "show-ip", "dev")).stdout).toMatch(/^10\.100\.0\.\d+\n$/);
  });

  it("gives a running container the address its conf names (LOCAL_ADDRESS)", async () => {
    const { sh } = await hostWith({ running: ["dev"] });
    const machines = JSON.parse(
      (await sh("machinectl", "list", "--output=json", "--no-pager")).stdout,
    ) as { addresses: string }[];
    // hostWith writes containerConf's conf, which names 10.100.0.2.
    expect(machines[0]?.addresses).toBe("10.100.0.2\nfe80::1");
  });
});

describe("fake machinectl", () => {
  it("lists running machines as JSON without a state key, [] when none", async () => {
    const { sh } = await hostWith({ installed: ["web"], running: ["dev"] });
    const machines = JSON.parse(
      (await sh("machinectl", "list", "--output=json", "--no-pager")).stdout,
    ) as Record<string, unknown>[];
    expect(machines).toEqual([
      {
        machine: "dev",
        class: "container",
        service: "systemd-nspawn",
        os: "nixos",
        version: "25.11",
        addresses: expect.stringMatching(/^10\.100\.0\.\d+\nfe80::1$/),
      },
    ]);
    expect(machines[0]).not.toHaveProperty("state");
    await sh("machinectl", "terminate", "dev");
    expect((await sh("machinectl", "list", "--output=json", "--no-pager")).stdout).toBe("[]\n");
  });

  it("shows State=running for a running machine and fails for an unknown one", async () => {
    const { sh } = await hostWith({ running: ["dev"] });
    expect(await sh("machinectl", "show", "dev", "--property=State", "--no-pager")).toEqual({
      exitCode: 0,
      stdout: "State=running\n",
      stderr: "",
    });
    // One property per --property= (a comma list is one name machinectl does not have).
    expect(
      (await sh("machinectl", "show", "dev", "--property=State,Name", "--no-pager")).stdout,
    ).toBe("");
    const two = await sh("machinectl", "show", "dev", "--property=State", "--property=Name");
    expect(two.stdout.split("\n").filter(Boolean).sort()).toEqual(["Name=dev", "State=running"]);
    const unknown = await sh("machinectl", "show", "ghost", "--property=State", "--no-pager");
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("No machine 'ghost' known");
    expect((await sh("machinectl", "status", "ghost", "--no-pager")).exitCode).toBe(1);
  });

  it("refuses to terminate an unknown machine", async () => {
    const { sh } = await hostWith({});
    expect(await sh("machinectl", "terminate", "ghost")).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "Could not terminate machine: No machine 'ghost' known\n",
    });
  });
});

describe("fake systemctl", () => {
  it("prints one line per unit and exits 3 when any is not active", async () => {
    const { sh } = await hostWith({ installed: ["web"], running: ["dev"] });
    expect(await sh("systemctl", "is-active", "container@dev.service")).toEqual({
      exitCode: 0,
      stdout: "active\n",
      stderr: "",
    });
    expect(
      await sh("systemctl", "is-active", "container@dev.service", "container@web.service"),
    ).toEqual({
      exitCode: 3,
      stdout: "active\ninactive\n",
      stderr: "",
    });
  });

  it("shows ActiveEnterTimestamp in systemd's format", async () => {
    const { sh } = await hostWith({ running: ["dev"] });
    const { stdout } = await sh(
      "systemctl",
      "show",
      "container@dev.service",
      "--property=ActiveEnterTimestamp",
      "--no-pager",
    );
    expect(stdout).toMatch(
      /^ActiveEnterTimestamp=(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\n$/,
    );
  });

  it("exits 0, 3 and 4 from status for active, inactive and unknown units", async () => {
    const { sh } = await hostWith({ installed: ["web"], running: ["dev"] });
    expect(
      (await sh("systemctl", "status", "container@dev.service", "--no-pager", "-l")).exitCode,
    ).toBe(0);
    expect(
      (await sh("systemctl", "status", "container@web.service", "--no-pager", "-l")).exitCode,
    ).toBe(3);
    // An instance of the template is loaded whether or not it has a conf, as on a real host.
    expect(
      (await sh("systemctl", "status", "container@ghost.service", "--no-pager", "-l")).exitCode,
    ).toBe(3);
    expect((await sh("systemctl", "status", "nosuch.service", "--no-pager", "-l")).exitCode).toBe(
      4,
    );
  });

  it("records runtime limits from set-property", async () => {
    const { sh } = await hostWith({ running: ["dev"] });
    await sh(
      "systemctl",
      "set-property",
      "container@dev.service",
      "MemoryMax=4G",
      "CPUQuota=200%",
      "TasksMax=4096",
    );
    const { stdout } = await sh(
      "systemctl",
      "show",
      "container@dev.service",
      "--property=MemoryMax,CPUQuota",
      "--no-pager",
    );
    expect(stdout).toBe("MemoryMax=4G\nCPUQuota=200%\n");
  });

  it("knows the container@ template unit when containers are enabled", async () => {
    const { sh } = await hostWith({});
    expect((await sh("systemctl", "cat", "container@.service")).exitCode).toBe(0);
  });
});

describe("fake journalctl", () => {
  it("reads a running container's journal and the host unit's, or says there are none", async () => {
    const { sh } = await hostWith({ running: ["dev"] });
    const machine = await sh(
      "journalctl",
      "-M",
      "dev",
      "-n",
      "50",
      "--no-pager",
      "-o",
      "short-iso",
    );
    expect(machine.stdout).toMatch(
      /^\d{4}-\d{2}-\d{2}T[\d:]+\+00:00 \S+ systemd\[1\]: Startup finished\.\n$/,
    );
    const unit = await sh(
      "journalctl",
      "-u",
      "container@dev.service",
      "-n",
      "50",
      "--no-pager",
      "-o",
      "short-iso",
    );
    expect(unit.stdout).toContain("Started Container 'dev'.");
    const none = await sh("journalctl", "-u", "container@ghost.service", "-n", "50", "--no-pager");
    expect(none).toEqual({ exitCode: 0, stdout: "-- No entries --\n", stderr: "" });
  });
});

/** `systemd-run` into container `name`, as container-exec.ts calls it. */
const inside = (name: string, ...command: string[]): [string, ...string[]] => [
  "systemd-run",
  `--machine=${name}`,
  "--unit=voxnix-exec-0123456789ab",
  "--pipe",
  "--wait",
  "--collect",
  "--no-ask-password",
  "--service-type=exec",
  "--property=RuntimeMaxSec=30",
  "--property=TimeoutStopSec=5",
  "--",
  ...command,
];

/** The container's installed system (its conf's SYSTEM_PATH). */
const systemOf = async (shell: Awaited<ReturnType<typeof hostWith>>, name: string) =>
  (await shell.sh("cat", join(shell.host.confDir, `${name}.conf`))).stdout
    .split("\n")
    .find((l) => l.startsWith("SYSTEM_PATH="))
    ?.slice("SYSTEM_PATH=".length) as string;

describe("fake systemd-run --machine", () => {
  it("tells a container that is not running as a host that is down, and runs nothing", async () => {
    const shell = await hostWith({ installed: ["dev"] });
    const system = await systemOf(shell, "dev");
    const result = await shell.sh(...inside("dev", `${system}/sw/bin/tailscale`, "up"));
    expect(result).toMatchObject({
      exitCode: 1,
      stderr: "Failed to connect to bus: Host is down\n",
    });
    expect(shell.host.calls("tailscale")).toEqual([]);
  });

  it("reports the command's end as systemd-run does: its status, 203 for one that cannot run", async () => {
    const shell = await hostWith({ running: ["dev"] });
    const system = await systemOf(shell, "dev");
    const ran = await shell.sh(...inside("dev", `${system}/sw/bin/tailscale`, "status", "--json"));
    expect(ran.exitCode).toBe(0);
    expect(ran.stderr).toBe(
      "Running as unit: voxnix-exec-0123456789ab.service\nFinished with result: success\n" +
        "Main processes terminated with: code=exited, status=0/SUCCESS\nService runtime: 3ms\n",
    );
    const missing = await shell.sh(...inside("dev", "/nix/store/nothing/bin/sh", "-c", "id"));
    expect(missing.exitCode).toBe(203);
    expect(missing.stderr).toContain(
      "Main processes terminated with: code=exited, status=203/EXEC\n",
    );
    const refused = await shell.sh(...inside("dev", `${system}/sw/bin/tailscale`, "frobnicate"));
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toBe(
      "Running as unit: voxnix-exec-0123456789ab.service\n" +
        "tailscale: unknown subcommand: frobnicate\n" +
        "Finished with result: exit-code\nMain processes terminated with: code=exited, status=2/INVALIDARGUMENT\n" +
        "Service runtime: 3ms\n",
    );
  });

  it("prints the container's own journal through its journalctl", async () => {
    const shell = await hostWith({ running: ["dev"] });
    const system = await systemOf(shell, "dev");
    const journal = await shell.sh(...inside("dev", `${system}/sw/bin/journalctl`, "-n", "5"));
    expect(journal.exitCode).toBe(0);
    expect(journal.stdout).toMatch(/Startup finished\.\n$/);
  });

  it("activates a system in the store, and only one that is there", async () => {
    const shell = await hostWith({ running: ["dev"] });
    const system = await systemOf(shell, "dev");
    const missing = `${system}-gone`;
    expect(
      (await shell.sh(...inside("dev", `${missing}/bin/switch-to-configuration`, "test"))).exitCode,
    ).toBe(203);
    expect(shell.host.runningSystem("dev")).toBe(system);
    expect(
      (await shell.sh(...inside("dev", `${system}/bin/switch-to-configuration`, "test"))).exitCode,
    ).toBe(0);
  });
});

describe("fake tailscale (inside a container)", () => {
  it("enrolls with a key file, reports its IP and DNS name, and logs out", async () => {
    const shell = await hostWith({ running: ["dev"] });
    const { sh, host } = shell;
    const tailscale = `${await systemOf(shell, "dev")}/sw/bin/tailscale`;
    const run = (...args: string[]) => sh(...inside("dev", tailscale, ...args));
    expect(
      (
        await run(
          "up",
          "--auth-key=file:/run/voxnix/tailscale-key",
          "--hostname=dev",
          "--ssh",
          "--reset",
        )
      ).exitCode,
    ).toBe(0);
    expect((await run("ip", "-4")).stdout).toMatch(/^100\.64\.0\.\d+\n$/);
    const status = JSON.parse((await run("status", "--self", "--json")).stdout) as {
      BackendState: string;
      Self: { DNSName: string; HostName: string };
    };
    expect(status.BackendState).toBe("Running");
    expect(status.Self.HostName).toBe("dev");
    expect(status.Self.DNSName).toMatch(/^dev\..+\.$/);
    await run("logout");
    expect(host.tailscaleNodes()).toEqual([]);
    expect(host.calls("tailscale").map((c) => c.args[0])).toEqual(["up", "ip", "status", "logout"]);
  });

  it("forgets the node when the container stops", async () => {
    const shell = await hostWith({ running: ["dev"] });
    const tailscale = `${await systemOf(shell, "dev")}/sw/bin/tailscale`;
    await shell.sh(...inside("dev", tailscale, "up", "--auth-key=file:/k", "--hostname=dev"));
    await shell.sh("nixos-container", "stop", "dev");
    expect(shell.host.tailscaleNodes()).toEqual([]);
  });
});
