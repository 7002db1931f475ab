import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeHostShell, type ToolOutput } from "../../support/fake-host-runner.js";

/** Writes a spec and the one-line definition the daemon hands extra-container. */
function definition(dir: string, spec: { name: string; modules: string[] }): string {
  const path = join(dir, `${spec.name}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return `import /voxnix/nix/mkContainer.nix { spec = builtins.fromJSON (builtins.readFile ${path}); }`;
}

/** `extra-container create -E <definition> [--start]`, as the daemon runs it. */
function create(
  sh: (...argv: [string, ...string[]]) => Promise<ToolOutput>,
  dir: string,
  spec: { name: string; modules: string[] },
  options: { start?: boolean } = {},
) {
  const start = (options.start ?? true) ? ["--start"] : [];
  return sh("extra-container", "create", "-E", definition(dir, spec), ...start);
}

describe("fake extra-container", () => {
  it("builds, installs and starts, printing the real text and writing the conf last", async () => {
    const { sh, host } = await fakeHostShell();
    const result = await create(sh, host.dir, { name: "dev", modules: ["git"] });
    expect(result).toEqual({
      exitCode: 0,
      stdout: "\nInstalling containers:\ndev\n\nStarting containers:\ndev\n\n",
      stderr: "Building containers...\n",
    });
    expect(host.installed()).toEqual(["dev"]);
    expect(host.machines()).toEqual(["dev"]);
    expect(
      existsSync(join(host.dir, "root/etc/systemd-mutable/system/container@dev.service")),
    ).toBe(true);
    expect(existsSync(join(host.dir, "root/nix/var/nix/gcroots/auto/extra-container-dev"))).toBe(
      true,
    );
  });

  it("installs without starting when --start is absent", async () => {
    const { sh, host } = await fakeHostShell();
    const result = await create(sh, host.dir, { name: "dev", modules: [] }, { start: false });
    expect(result.stdout).toBe("\nInstalling containers:\ndev\n\n");
    expect(host.machines()).toEqual([]);
  });

  it("replaces an existing definition without error, restarting it if it runs", async () => {
    const { sh, host } = await fakeHostShell();
    await create(sh, host.dir, { name: "dev", modules: ["git"] });
    const same = await create(sh, host.dir, { name: "dev", modules: ["git"] });
    expect(same.stdout).toBe("\nInstalling containers:\ndev (unchanged, skipped)\n\n");
    const changed = await create(sh, host.dir, { name: "dev", modules: ["fish"] });
    expect(changed).toMatchObject({
      exitCode: 0,
      stdout: "\nInstalling containers:\ndev\n\nRestarting containers:\ndev\n\n",
    });
  });

  it("shares one system path between containers with the same modules", async () => {
    const { sh, host } = await fakeHostShell();
    await create(sh, host.dir, { name: "a", modules: ["git", "fish"] }, { start: false });
    await create(sh, host.dir, { name: "b", modules: ["fish", "git"] }, { start: false });
    const systemPath = (name: string) =>
      /^SYSTEM_PATH=(\S+)-nixos-system-/.exec(
        readFileSync(join(host.confDir, `${name}.conf`), "utf8"),
      )?.[1];
    expect(systemPath("a")).toMatch(/^\/nix\/store\/[0-9a-f]{32}$/);
    expect(systemPath("a")).toBe(systemPath("b"));
  });

  it("leaves nothing behind when the build fails", async () => {
    const { sh, host } = await fakeHostShell();
    host.injectFault({
      command: "extra-container create",
      stderr: "error: builder for '/nix/store/x.drv' failed with exit code 1\n",
      action: "fail",
    });
    const result = await create(sh, host.dir, { name: "dev", modules: [] });
    expect(result).toEqual({
      exitCode: 1,
      stdout: "",
      stderr:
        "Building containers...\nerror: builder for '/nix/store/x.drv' failed with exit code 1\n",
    });
    expect(host.installed()).toEqual([]);
    expect(host.machines()).toEqual([]);
  });

  it("keeps the install and prints 'Error at' on stdout when starting fails", async () => {
    const { sh, host } = await fakeHostShell();
    host.injectFault({
      command: "extra-container create",
      step: "start",
      action: "fail",
      stderr: "Job for container@dev.service failed.\n",
    });
    const result = await create(sh, host.dir, { name: "dev", modules: [] });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /^\nInstalling containers:\ndev\n\nError at \/nix\/store\/\S+extra-container:\d+\n$/,
    );
    expect(host.installed()).toEqual(["dev"]);
    expect(host.machines()).toEqual([]);
  });

  it("fails evaluation when the spec file is missing", async () => {
    const { sh, host } = await fakeHostShell();
    const result = await sh(
      "extra-container",
      "create",
      "-E",
      `import /x.nix { spec = builtins.fromJSON (builtins.readFile ${host.dir}/gone.json); }`,
    );
    expect(result).toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining("No such file or directory"),
    });
  });

  it("destroys, exiting 0 even for a container that does not exist", async () => {
    const { sh, host } = await fakeHostShell();
    await create(sh, host.dir, { name: "dev", modules: [] });
    expect(await sh("extra-container", "destroy", "dev")).toEqual({
      exitCode: 0,
      stdout: "",
      stderr: "",
    });
    expect(host.installed()).toEqual([]);
    expect(host.machines()).toEqual([]);
    expect((await sh("extra-container", "destroy", "ghost")).exitCode).toBe(0);
    expect(await sh("extra-container", "destroy")).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "No container name specified\n",
    });
  });

  it("lists installed containers sorted, and nothing as empty output", async () => {
    const { sh, host } = await fakeHostShell();
    expect(await sh("extra-container", "list")).toEqual({ exitCode: 0, stdout: "", stderr: "" });
    for (const name of ["web", "dev"])
      await create(sh, host.dir, { name, modules: [] }, { start: false });
    expect((await sh("extra-container", "list")).stdout).toBe("dev\nweb\n");
  });

  it("requires systemd before any verb but help", async () => {
    const { sh } = await fakeHostShell({ settings: { systemd: false } });
    expect(await sh("extra-container", "list")).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "extra-container requires systemd\n",
    });
    expect((await sh("extra-container", "--help")).exitCode).toBe(0);
  });

  it("passes other verbs to nixos-container", async () => {
    const { sh, host } = await fakeHostShell();
    await create(sh, host.dir, { name: "dev", modules: [] }, { start: false });
    expect((await sh("extra-container", "start", "dev")).exitCode).toBe(0);
    expect(host.machines()).toEqual(["dev"]);
    expect(host.commandLines().slice(-2)).toEqual([
      "extra-container start dev",
      "nixos-container start dev",
    ]);
  });
});
