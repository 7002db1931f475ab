// The snapshot verbs of the real voxnix process (issue 15) on a fake host with ZFS storage.
import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost } from "../fakes/fake-host.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv, voxnix, voxnixOnTerminal } from "../support/voxnix-process.js";

const WS = "tank/users/1001/containers/dev";

async function cliWithDev() {
  const host = await createFakeHost();
  onTestFinished(() => host.cleanup());
  const env = fakeHostEnv(host);
  const run = (...args: string[]) => voxnix(args, { env, cwd: tempDir() });
  expect((await run("create", "dev", "--as", "1001")).exitCode).toBe(0);
  return { host, env, run };
}

// A test here starts up to 8 voxnix processes one after another: 0.4 s each idle, several
// seconds each on a busy 2-core machine (while the kernel tests run beside them).
describe("voxnix snapshots and rollback", { timeout: 120_000 }, () => {
  it("takes, lists, rolls back with --yes into the trash, and deletes", async () => {
    const { host, run } = await cliWithDev();
    host.setContent(WS, "good work");
    expect(await run("snapshots", "take", "dev", "good")).toMatchObject({
      exitCode: 0,
      stdout: "dev: snapshot good taken\n",
    });
    host.setContent(WS, "broken work");

    const listed = await run("snapshots", "ls", "dev");
    expect(listed.stdout).toMatch(/^SNAPSHOT\s+TAKEN\s+OWN\s+CLONES\ngood\s+\d{4}-\d\d-\d\dT/);
    const json = JSON.parse((await run("snapshots", "ls", "dev", "--json")).stdout) as unknown;
    expect(json).toEqual([expect.objectContaining({ name: "good", clones: 0 })]);

    const rolled = await run("rollback", "dev", "good", "--yes");
    expect(rolled.exitCode).toBe(0);
    expect(rolled.stdout).toMatch(
      /^dev rolled back to good and running; what was there is in trash as (dev-\S+) for 7 days\n$/,
    );
    const trashId = /trash as (dev-\S+) for/.exec(rolled.stdout)?.[1] as string;
    expect(host.dataset(WS)?.content).toBe("good work");
    expect(host.dataset(`tank/users/1001/trash/${trashId}`)?.content).toBe("broken work");
    expect(host.machines()).toEqual(["dev"]);

    // dev is the promoted clone of good, and the state it replaced a clone of it: good stays
    // for as long as that trash entry does.
    expect((await run("snapshots", "ls", "dev")).stdout).toMatch(/\ngood\s+\S+\s+\S+\s+1\n$/);
    const held = await run("snapshots", "rm", "dev", "good");
    expect(held.exitCode).toBe(1);
    expect(held.stderr).toContain("good cannot be deleted while a workspace made from it exists");
    await run("snapshots", "take", "dev", "again");
    expect(await run("snapshots", "rm", "dev", "again")).toMatchObject({
      exitCode: 0,
      stdout: "dev: snapshot again deleted\n",
    });
    expect(host.snapshots().filter((s) => s.startsWith(`${WS}@`))).toEqual([`${WS}@good`]);
  });

  it("asks before a rollback: refused off a terminal (exit 64), declined at one (exit 1), changing nothing", async () => {
    const { host, env, run } = await cliWithDev();
    host.setContent(WS, "v1");
    await run("snapshots", "take", "dev", "one");
    host.setContent(WS, "v2");
    expect(await run("rollback", "dev", "one")).toMatchObject({
      exitCode: 64,
      stderr: "voxnix: rollback asks for confirmation; pass --yes when not on a terminal\n",
    });
    const declined = await voxnixOnTerminal(["rollback", "dev", "one"], {
      env,
      input: "not-dev\n",
    });
    expect(declined).toMatchObject({ exitCode: 1 });
    expect(declined.output).toContain("dev not rolled back (the answer was not its name)");
    expect(host.dataset(WS)?.content).toBe("v2");
    expect(host.snapshots()).toEqual([`${WS}@one`]);
  });

  it("refuses what cannot be done, each in one line", async () => {
    const { run } = await cliWithDev();
    const [badName, missing, stranger] = await Promise.all([
      run("snapshots", "take", "dev", "Not/OK"),
      run("rollback", "dev", "nope", "--yes"),
      run("snapshots", "ls", "ghost"),
    ]);
    expect(badName).toMatchObject({ exitCode: 1 });
    expect(badName.stderr).toContain("A snapshot name is 1 to 32 lowercase letters");
    // Refusals written for chat name the CLI's verbs here.
    expect(missing.stderr).toBe(
      "voxnix: dev has no snapshot named nope. voxnix snapshots ls dev lists them.\n",
    );
    expect(stranger.exitCode).not.toBe(0);
  });
});
