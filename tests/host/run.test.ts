import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HostCommandError,
  HostCommandTimeout,
  HostOutputTooLarge,
  HostToolMissing,
} from "../../src/host/errors.js";
import { createRunner, hostToolEnvironment, type Runner } from "../../src/host/run.js";
import { currentProcess, holderMark } from "../../src/process-identity.js";
import { createFakeHost, type FakeHost } from "../fakes/fake-host.js";
import { captureLog } from "../support/capture-log.js";
import { eventually, isRunning } from "../support/processes.js";
import { testSpawnHelper } from "../support/spawn-helper.js";
import { tempDir } from "../support/temp-dir.js";

// The same contract whichever way commands start: forked from this process, as Node does, or by
// voxnix-spawn (spawn-helper.c), as the daemon does where it was built.
const ways = [
  { way: "forked by Node", spawnHelper: undefined, skip: false },
  { way: "started by voxnix-spawn", spawnHelper: testSpawnHelper(), skip: !testSpawnHelper() },
];

describe.each(ways)("createRunner, commands $way", ({ spawnHelper, skip }) => {
  let host: FakeHost;
  let runner: Runner;
  let logs: ReturnType<typeof captureLog>;

  beforeEach(async ({ skip: skipTest }) => {
    // Without a C compiler there is no helper: the daemon forks, and so do these tests.
    if (skip) skipTest("no C compiler here: voxnix-spawn was not built (tests/support/bundle.ts)");
    host = await createFakeHost();
    logs = captureLog({ level: "debug" });
    runner = createRunner({
      log: logs.log,
      env: { PATH: host.path },
      killGraceMs: 200,
      spawnHelper,
    });
  });
  afterEach(() => host?.cleanup());

  it("returns stdout exactly as printed, blank lines and final newline included", async () => {
    const result = await runner.run(["sh", "-c", "printf '\\nInstalling containers:\\ndev\\n\\n'"]);
    expect(result.stdout).toBe("\nInstalling containers:\ndev\n\n");
    expect(result.exitCode).toBe(0);
  });

  it("throws a typed error with argv, exit code and the tails of both streams", async () => {
    const error = await runner
      .run(["zfs", "list", "-H", "-o", "name", "tank/nope"])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostCommandError);
    expect(error).toMatchObject({
      argv: ["zfs", "list", "-H", "-o", "name", "tank/nope"],
      exitCode: 1,
      stderrTail: "cannot open 'tank/nope': dataset does not exist\n",
      message:
        "zfs list -H -o name tank/nope exited with 1: cannot open 'tank/nope': dataset does not exist",
    });
  });

  it("treats allowed exit codes as answers", async () => {
    const result = await runner.run(["systemctl", "is-active", "container@none.service"], {
      allowExitCodes: [3],
    });
    expect(result).toMatchObject({ exitCode: 3, stdout: "inactive\n" });
  });

  it("kills the whole process group on timeout, grandchildren included", async () => {
    const pidFile = join(tempDir(), "grandchild");
    const error = await runner
      .run(["sh", "-c", `sleep 30 & echo $! > ${pidFile}; wait`], { timeoutMs: 500 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostCommandTimeout);
    expect((error as HostCommandTimeout).message).toContain("timed out after 500 ms");
    expect(isRunning(Number(readFileSync(pidFile, "utf8")))).toBe(false);
  });

  it("ends a call when its command exits, though a process outside its group holds the pipes", async () => {
    // As a tenant can leave a process in its container holding what systemd-run handed it.
    const result = await runner.run(["sh", "-c", "setsid sleep 60 & echo $!"], {
      timeoutMs: 15_000,
    });
    const holder = Number(result.stdout.trim());
    try {
      expect(result.exitCode).toBe(0);
      expect(isRunning(holder)).toBe(true);
    } finally {
      process.kill(holder, "SIGKILL");
    }
  });

  it("escalates to SIGKILL when the group ignores SIGTERM", async () => {
    const script = join(tempDir(), "stubborn");
    writeFileSync(script, "#!/bin/sh\ntrap '' TERM\nsleep 30 &\necho $! > \"$0.child\"\nwait\n");
    chmodSync(script, 0o755);
    const error = await runner.run([script], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostCommandTimeout);
    const child = Number(readFileSync(`${script}.child`, "utf8"));
    // The group's SIGKILL comes killGraceMs after SIGTERM; the rejection may arrive just before.
    expect(await eventually(() => !isRunning(child), 1_000)).toBe(true);
  });

  it("names the PATH it searched when a binary is missing", async () => {
    const error = await runner.run(["definitely-not-a-tool", "x"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostToolMissing);
    expect((error as Error).message).toBe(`definitely-not-a-tool not found on PATH (${host.path})`);
  });

  it("rejects with a host command error when a command cannot even be started", async () => {
    // Node throws these rather than reporting them as an 'error' event: a path through a file
    // (ENOTDIR), and a NUL byte in an argument. Both are failed host commands, with the cause.
    for (const argv of [["/etc/passwd/x"], ["echo", "a\0b"]] as const) {
      const error = await runner.run(argv).catch((e: unknown) => e);
      expect(error, argv.join(" ")).toBeInstanceOf(HostCommandError);
      expect((error as HostCommandError).cause).toBeInstanceOf(Error);
    }
  });

  it("searches the command's PATH as execvp does, past a file it may not execute", async () => {
    const [denied, allowed] = [tempDir(), tempDir()];
    writeFileSync(join(denied, "tool"), "#!/bin/sh\necho denied\n", { mode: 0o644 });
    writeFileSync(join(allowed, "tool"), "#!/bin/sh\necho allowed\n", { mode: 0o755 });
    const on = (path: string) =>
      createRunner({ log: logs.log, env: { PATH: path }, spawnHelper }).run(["tool"]);
    expect((await on(`${denied}:${allowed}`)).stdout).toBe("allowed\n");
    // Found but not executable is not "missing": the admin needs to hear which it was.
    const error = await on(denied).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostCommandError);
    expect(error).not.toBeInstanceOf(HostToolMissing);
    expect((error as HostCommandError).cause).toMatchObject({ code: "EACCES" });
  });

  it("runs a script without #! through /bin/sh, as execvp does", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "plain"), 'echo "ran with $1"\n', { mode: 0o755 });
    const on = createRunner({ log: logs.log, env: { PATH: `${dir}:/usr/bin:/bin` }, spawnHelper });
    expect((await on.run(["plain", "one"])).stdout).toBe("ran with one\n");
    expect((await on.run([join(dir, "plain"), "two"])).stdout).toBe("ran with two\n");
  });

  it("names the signal that ended a command as Node does", async () => {
    for (const signal of ["ABRT", "IO"]) {
      const error = await runner.run(["sh", "-c", `kill -${signal} $$`]).catch((e: unknown) => e);
      expect((error as HostCommandError).cause).toMatchObject({
        message: `killed by SIG${signal}`,
      });
    }
  });

  it("starts a command with no signal ignored or blocked, whatever this process ignores", async () => {
    // grep reads its own status: a shell's would race with its own forks, which block signals.
    const { stdout } = await runner.run(["grep", "-E", "^Sig(Ign|Blk):", "/proc/self/status"]);
    expect(stdout).toBe("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
  });

  it("stops a command at once when its signal was aborted before it started", async () => {
    const pidFile = join(tempDir(), "sleeper");
    const error = await runner
      .run(["sh", "-c", `sleep 30 & echo $! > ${pidFile}; wait`], {
        signal: AbortSignal.abort(),
        timeoutMs: 60_000, // past the test's own: a stop that never comes fails the test
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostCommandTimeout);
    // The shell may have died before it wrote the file: then nothing of it is left either.
    let sleeper = NaN;
    try {
      sleeper = Number(readFileSync(pidFile, "utf8"));
    } catch {
      // never got that far
    }
    if (!Number.isNaN(sleeper))
      expect(await eventually(() => !isRunning(sleeper), 5_000)).toBe(true);
  });

  it("stops a command, children included, as soon as it prints more than the cap", async () => {
    const started = Date.now();
    const error = await runner
      .run(["sh", "-c", "(sleep 30) & head -c 100000 /dev/zero; wait"], {
        maxOutputBytes: 1_000,
        timeoutMs: 20_000,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostOutputTooLarge);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("gives tools only the allowlisted environment and their holder, never the daemon's secrets", async () => {
    const env = hostToolEnvironment({
      PATH: host.path,
      HOME: "/root",
      NIX_PATH: "nixpkgs=/nix/var/nix/profiles/per-user/root/channels/nixos",
      TELEGRAM_BOT_TOKEN: "123:secret",
      LLM_API_KEY: "sk-secret",
      VOXNIX_STATE_DIR: "/var/lib/voxnix",
    });
    const isolated = createRunner({ log: logs.log, env, spawnHelper });
    const { stdout } = await isolated.run(["sh", "-c", "env | cut -d= -f1 | sort"]);
    expect(
      stdout.split("\n").filter((name) => name && !["PWD", "SHLVL", "_"].includes(name)),
    ).toEqual(["HOME", "NIX_PATH", "PATH", "VOXNIX_HOLDER"]);
    // The holder names this process, so a command that outlives it can be told apart.
    const mark = (await isolated.run(["sh", "-c", 'printf %s "$VOXNIX_HOLDER"'])).stdout;
    expect(mark).toBe(holderMark(currentProcess()));
  });

  it("writes input to stdin and closes it otherwise", async () => {
    expect((await runner.run(["cat"], { input: "spec" })).stdout).toBe("spec");
    expect((await runner.run(["cat"])).stdout).toBe("");
  });

  it("logs one debug line per call with argv, exit code and duration", async () => {
    await runner.run(["zfs", "list", "-H", "-o", "name", "tank"]);
    const entry = logs.entries().find((e) => e.msg === "host command");
    expect(entry).toMatchObject({
      argv: ["zfs", "list", "-H", "-o", "name", "tank"],
      exitCode: 0,
      level: 20,
    });
    expect(entry?.durationMs).toEqual(expect.any(Number));
  });
});
