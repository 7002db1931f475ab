// `voxnix set` (issue 15): a container's modules and limits changed in place, as a process.
import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost } from "../fakes/fake-host.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv, voxnix } from "../support/voxnix-process.js";

// A test here starts up to 8 voxnix processes one after another: 0.4 s each idle, several
// seconds each on a busy 2-core machine (while the kernel tests run beside them).
describe("voxnix set", { timeout: 120_000 }, () => {
  it("changes modules and limits of a running container, and refuses what it cannot do", async () => {
    const host = await createFakeHost();
    onTestFinished(() => host.cleanup());
    const env = fakeHostEnv(host);
    const run = (...args: string[]) => voxnix(args, { env, cwd: tempDir() });
    expect((await run("create", "dev", "--modules", "git", "--as", "1001")).exitCode).toBe(0);

    const changed = await run("set", "dev", "--add", "fish", "--cpu", "2", "--memory", "3G");
    expect(changed).toMatchObject({
      exitCode: 0,
      stdout: "dev: fish, git, workspace; 2 CPUs, 3G (active now, without a restart); running\n",
    });
    const json = await run("set", "dev", "--remove", "fish", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({
      modules: ["git", "workspace"],
      limits: { cpus: 2 },
      applied: "switched",
    });

    const [nothing, badCpu, unknown] = await Promise.all([
      run("set", "dev"),
      run("set", "dev", "--cpu", "lots"),
      run("set", "dev", "--add", "fihs"),
    ]);
    expect(nothing).toMatchObject({
      exitCode: 64,
      stderr: "voxnix: set needs --add, --remove, --cpu or --memory\n",
    });
    expect(badCpu.exitCode).toBe(64);
    expect(unknown).toMatchObject({ exitCode: 1 });
    expect(unknown.stderr).toContain("Unknown module: fihs.");
  });
});
