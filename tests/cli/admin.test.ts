import { readFileSync } from "node:fs";
import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost } from "../fakes/fake-host.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv, voxnix, voxnixOnTerminal } from "../support/voxnix-process.js";

async function cliOnFakeHost() {
  const host = await createFakeHost();
  onTestFinished(() => host.cleanup());
  const env = fakeHostEnv(host);
  return { host, env, run: (...args: string[]) => voxnix(args, { env }) };
}

// A test here starts up to 8 voxnix processes one after another: 0.4 s each idle, several
// seconds each on a busy 2-core machine (while the kernel tests run beside them).
describe("voxnix admin CLI", { timeout: 120_000 }, () => {
  it("creates, lists, destroys into trash and restores, as issue 3's acceptance describes", async () => {
    const { host, run } = await cliOnFakeHost();

    const created = await run("create", "dev", "--modules", "git,fish", "--as", "1001");
    expect(created).toMatchObject({
      exitCode: 0,
      stdout: "dev is running (fish, git, workspace)\n",
    });
    expect(created.stderr).toContain("… building");

    const listed = await run("ls", "--all", "--json");
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ name: "dev", ownerId: 1001, state: "running" }),
    ]);

    const destroyed = await run("destroy", "dev", "--yes");
    expect(destroyed.stdout).toMatch(
      /^dev destroyed; workspace in trash as (dev-\S+) for 7 days\n$/,
    );
    const trashId = /as (dev-\S+) for/.exec(destroyed.stdout)?.[1] as string;

    expect((await run("trash", "ls")).stdout).toContain(trashId);
    const restored = await run("trash", "restore", trashId, "--as", "dev2");
    expect(restored).toMatchObject({
      exitCode: 0,
      stdout: `dev2 restored from ${trashId} and running\n`,
    });
    expect(host.datasets()).toContain("tank/users/1001/containers/dev2");
    expect(host.machines()).toEqual(["dev2"]);
  });

  it("refuses to destroy without --yes when not on a terminal (exit 64)", async () => {
    const { host, run } = await cliOnFakeHost();
    await run("create", "dev");
    expect(await run("destroy", "dev")).toMatchObject({
      exitCode: 64,
      stderr: "voxnix: destroy asks for confirmation; pass --yes when not on a terminal\n",
    });
    expect(host.installed()).toEqual(["dev"]);
  });

  it("refuses malformed arguments in one line with exit 64, and out-of-range ones with exit 1", async () => {
    const { host, run } = await cliOnFakeHost();
    const version = (
      JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
        version: string;
      }
    ).version;
    const [shown, cpu, as, chat, unknown, capital, zeroCpu, tinyMemory] = await Promise.all([
      run("--version"),
      run("create", "dev", "--cpu", "abc"),
      run("create", "dev", "--as", "12x"),
      run("chat", "--as", "abc"),
      run("frobnicate"),
      run("create", "Dev"),
      run("create", "dev", "--cpu", "0"),
      run("create", "dev", "--memory", "1"),
    ]);
    expect(shown).toMatchObject({ exitCode: 0, stdout: `${version}\n` });
    expect(cpu.exitCode).toBe(64);
    expect(cpu.stderr).toBe(
      `error: option '--cpu <n>' argument 'abc' is invalid. CPUs are a number such as 1, 2 or 0.5, not "abc".\n(--help shows the usage)\n`,
    );
    expect(as).toMatchObject({
      exitCode: 64,
      stderr: expect.stringContaining('--as must be a positive whole number, not "12x".'),
    });
    expect(chat).toMatchObject({
      exitCode: 64,
      stderr: expect.stringContaining('--as must be a positive whole number, not "abc".'),
    });
    expect(unknown).toMatchObject({
      exitCode: 64,
      stderr: expect.stringContaining("error: unknown command 'frobnicate'"),
    });
    expect(capital).toMatchObject({
      exitCode: 1,
      stderr: 'voxnix: Container names are lowercase: try "dev".\n',
    });
    expect(zeroCpu).toMatchObject({
      exitCode: 1,
      stderr: "voxnix: A container needs at least 0.1 CPU.\n",
    });
    expect(tinyMemory).toMatchObject({
      exitCode: 1,
      stderr: "voxnix: A container needs at least 64M of memory.\n",
    });
    for (const result of [cpu, as, chat, unknown, capital, zeroCpu, tinyMemory])
      expect(result.stderr).not.toMatch(/^\s+at /m); // never a stack
    expect(host.calls()).toEqual([]);
  });

  it("refuses to act without a configured admin, and to grant what configuration already gives", async () => {
    const host = await createFakeHost();
    onTestFinished(() => host.cleanup());
    const env = fakeHostEnv(host);
    const withoutAdmins = Object.fromEntries(
      Object.entries(env).filter(([k]) => k !== "VOXNIX_ADMINS"),
    );
    const [nobody, again] = await Promise.all([
      voxnix(["ls", "--all"], { env: withoutAdmins }),
      voxnix(["users", "add", "1"], { env }),
    ]);
    expect(nobody).toMatchObject({ exitCode: 78, stdout: "" });
    expect(nobody.stderr).toContain(
      "VOXNIX_ADMINS: required: the admin CLI acts as the first admin listed there",
    );
    expect(again).toMatchObject({
      exitCode: 1,
      stderr: "voxnix: 1 is already an admin through configuration (VOXNIX_ADMINS/VOXNIX_USERS).\n",
    });
  });

  it("exits 1 and destroys nothing when a destroy is declined at the terminal", async () => {
    const { host, env, run } = await cliOnFakeHost();
    await run("create", "dev", "--as", "1001");
    const declined = await voxnixOnTerminal(["destroy", "dev"], { env, input: "nope\n" });
    expect(declined.output).toContain("dev not destroyed (the answer was not its name)");
    expect(declined.exitCode).toBe(1);
    expect(host.installed()).toEqual(["dev"]);
  });

  it("explains a refusal in one line and exits 1", async () => {
    const { run } = await cliOnFakeHost();
    expect(await run("create", "dev", "--modules", "fihs")).toMatchObject({
      exitCode: 1,
      stdout: "",
      stderr:
        "voxnix: Unknown module: fihs. Available: devtools, fish, git, tailscale, workspace.\n",
    });
  });

  it("names its own verbs, not the bot's commands, in what it says", async () => {
    const { run } = await cliOnFakeHost();
    expect(await run("info", "nope")).toMatchObject({
      exitCode: 1,
      stderr: 'voxnix: You have no container named "nope". voxnix ls shows yours.\n',
    });
  });

  it("sets, shows and clears a user's compute quota", async () => {
    const { run } = await cliOnFakeHost();
    expect(await run("users", "quota", "1001", "--cpus", "3", "--memory", "6G")).toMatchObject({
      exitCode: 0,
      stdout: "1001: 3 CPUs and 6G for running containers\n",
    });
    await run("create", "dev", "--as", "1001", "--cpu", "2");
    expect((await run("users", "quota", "1001")).stdout).toBe(
      "1001: 2 of 3 CPUs, 2G of 6G memory (set for you)\n",
    );
    const over = await run("create", "web", "--as", "1001", "--cpu", "2");
    expect(over.exitCode).toBe(1);
    expect(over.stderr).toContain("would pass your share of 3 CPUs and 6G; running now: dev");
    expect(over.stderr).toContain("voxnix stop NAME");
    expect(await run("users", "quota", "1001", "--clear", "--cpus", "2")).toMatchObject({
      exitCode: 64,
    });
    expect((await run("users", "quota", "1001", "--clear")).stdout).toBe(
      "1001: 8 CPUs and 16G for running containers (the defaults)\n",
    );
  });

  it("shows and sets a container's idle period, and everyone's usage in one line each", async () => {
    const { run } = await cliOnFakeHost();
    await run("create", "dev", "--as", "1001");
    expect(await run("idle")).toMatchObject({ exitCode: 0, stdout: "nothing is due\n" });
    expect(await run("idle", "dev")).toMatchObject({
      exitCode: 0,
      stdout: "dev is stopped after 7d without use (the host's default); in use now.\n",
    });
    expect((await run("idle", "dev", "3d")).stdout).toBe(
      "dev is stopped after 3d without use; in use now.\n",
    );
    expect(await run("idle", "dev", "soon")).toMatchObject({
      exitCode: 64,
      stderr: expect.stringContaining(
        'an idle period is a duration such as 12h or 3d, "never" or "default", not "soon".',
      ),
    });
    expect(await run("idle", "dev", "10m")).toMatchObject({
      exitCode: 1,
      stderr: "voxnix: An idle period is between 1h and 365d, or never.\n",
    });
    expect((await run("idle", "dev", "default")).stdout).toContain("(the host's default)");
    const all = await run("usage", "--all");
    expect(all.stdout).toMatch(/^user 1001: 1 of 1 running \(1 of 8 CPUs, 2G of 16G memory\);/m);
    const parsed = JSON.parse((await run("usage", "--all", "--json")).stdout) as {
      userId: number;
    }[];
    expect(parsed.map((u) => u.userId)).toContain(1001);
  });

  it("reports a healthy fake host from doctor", async () => {
    const { run } = await cliOnFakeHost();
    const result = await run("doctor");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ok {3}nix-build on PATH/m);
    expect(result.stdout).toMatch(/^ok {3}registry matches host: in agreement$/m);
  });

  it("fails doctor, saying why, when zfs cannot reach the host's mount namespace", async () => {
    const host = await createFakeHost();
    onTestFinished(() => host.cleanup());
    const result = await voxnix(["doctor"], {
      env: fakeHostEnv(host, { VOXNIX_HOST_MOUNT_NAMESPACE: "/proc/999999999/ns/mnt" }),
      cwd: tempDir(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /^FAIL host mount namespace \(workspace mounts\): nsenter --mount=\/proc\/999999999\/ns\/mnt -- true exited with 1: nsenter: cannot open \/proc\/999999999\/ns\/mnt/m,
    );
  });

  it("fails doctor, naming the tool, when one is missing from PATH", async () => {
    const host = await createFakeHost({
      tools: ["zfs", "nix-build", "nix-instantiate", "nixos-container", "systemctl", "journalctl"],
    });
    onTestFinished(() => host.cleanup());
    const result = await voxnix(["doctor"], {
      env: {
        PATH: host.bin,
        VOXNIX_STATE_DIR: tempDir(),
        VOXNIX_HOST_ROOT: host.root,
        VOXNIX_ADMINS: "1",
      },
      cwd: tempDir(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^FAIL machinectl on PATH: not found on PATH/m);
  });
});
