import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HostCommandError } from "../../src/host/errors.js";
import { killAllHostCommands } from "../../src/host/process-groups.js";
import { createRunner } from "../../src/host/run.js";
import { HELPER_RETRY_MS } from "../../src/host/spawn-helper.js";
import { captureLog } from "../support/capture-log.js";
import { eventually, isRunning } from "../support/processes.js";
import { testSpawnHelper } from "../support/spawn-helper.js";
import { tempDir } from "../support/temp-dir.js";

// voxnix-spawn itself (src/host/spawn-helper.c) and the daemon's side of it (spawn-helper.ts):
// what only a helper can get wrong. tests/host/run.test.ts holds the runner to one contract with
// and without it.

const helper = testSpawnHelper() ?? "";
const env = { PATH: "/usr/local/bin:/usr/bin:/bin" };

/** The parent of the commands a runner starts: this process when it forks. */
async function parentOf(runner: ReturnType<typeof createRunner>): Promise<number> {
  return Number((await runner.run(["sh", "-c", "echo $PPID"])).stdout);
}

describe.skipIf(!helper)("voxnix-spawn", () => {
  const runnerWith = () => createRunner({ log: captureLog().log, env, spawnHelper: helper });

  it("starts the daemon's commands, so the daemon never forks its heap", async () => {
    const parent = await parentOf(runnerWith());
    expect(parent).not.toBe(process.pid);
    expect(realpathSync(`/proc/${parent}/exe`)).toBe(realpathSync(helper));
  });

  it("keeps the output of each of 300 commands at once apart", async () => {
    const runner = runnerWith();
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        runner.run(["sh", "-c", `echo out ${i}; echo err ${i} >&2; exit ${i % 3}`], {
          allowExitCodes: [1, 2],
        }),
      ),
    );
    results.forEach((result, i) =>
      expect(result).toMatchObject({
        stdout: `out ${i}\n`,
        stderr: `err ${i}\n`,
        exitCode: i % 3,
      }),
    );
  });

  it("carries output and input larger than a pipe's buffer and a frame, byte for byte", async () => {
    const runner = runnerWith();
    const numbers = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join("");
    const both = await runner.run(["sh", "-c", "seq 1 100000; seq 1 60000 >&2"]);
    expect(both.stdout).toBe(numbers(100_000));
    expect(both.stderr).toBe(numbers(60_000));
    const input = "ünïcode ".repeat(200_000); // 1.8 MB, characters split across chunks
    expect((await runner.run(["cat"], { input })).stdout).toBe(input);
  });

  it("fails the calls of a helper that dies, kills their commands, and starts a new one", async () => {
    const runner = runnerWith();
    const first = await parentOf(runner);
    const pidFile = join(tempDir(), "sleeper");
    const call = runner
      .run(["sh", "-c", `sleep 60 & echo $! > ${pidFile}; wait`], { timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect(
      await eventually(() => existsSync(pidFile) && readFileSync(pidFile, "utf8") !== ""),
    ).toBe(true);
    const sleeper = Number(readFileSync(pidFile, "utf8"));
    process.kill(first, "SIGKILL");

    const error = await call;
    expect(error).toBeInstanceOf(HostCommandError);
    expect((error as HostCommandError).cause).toMatchObject({
      message: expect.stringMatching(/spawn helper exited \(SIGKILL\) before the command ended/),
    });
    expect(await eventually(() => !isRunning(sleeper))).toBe(true);
    const second = await parentOf(runner);
    expect(second).not.toBe(first);
    expect(second).not.toBe(process.pid);
  });

  it("exits when the daemon goes away, leaving its commands running as forked ones would", async () => {
    // Spoken to directly, as a daemon would, so the daemon's end can close without this process
    // exiting: a SIGKILLed daemon's pipe closes just the same. Reconcile tells a dead holder's
    // commands that still run from finished ones (tests/reliability/orphans.test.ts).
    const child = spawn(helper, [], { stdio: ["pipe", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const strings = ["sh", "-c", "sleep 60 & echo $!; wait", "PATH=/usr/bin:/bin"];
    const body = Buffer.from(`${strings.join("\0")}\0`);
    const frame = Buffer.alloc(18);
    frame.writeUInt32LE(5 + 9 + body.length, 0);
    frame.writeUInt32LE(7, 4); // the call's id
    frame.write("S", 8, "latin1");
    frame.writeUInt32LE(3, 9); // argc
    frame.writeUInt32LE(1, 13); // envc
    frame[17] = 0; // no input
    child.stdin.write(Buffer.concat([frame, body]));

    // Its 'O' frame carries the sleep's pid: u32 size, u32 id, 'O', "<pid>\n".
    const sleeper = await new Promise<number>((resolve) => {
      let seen = Buffer.alloc(0);
      child.stdout.on("data", (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        for (let at = 0; seen.length - at >= 9; at += 4 + seen.readUInt32LE(at)) {
          const end = at + 4 + seen.readUInt32LE(at);
          if (seen.length < end) break;
          if (seen[at + 8] === "O".charCodeAt(0))
            resolve(Number(seen.subarray(at + 9, end).toString()));
        }
      });
    });
    expect(isRunning(sleeper)).toBe(true);
    child.stdin.end();
    expect(await exited).toBe(0);
    try {
      expect(isRunning(sleeper)).toBe(true);
    } finally {
      process.kill(sleeper, "SIGKILL"); // its shell, waiting on it, ends with it
    }
  });

  it("fails only the calls it has no descriptors for, and goes on", async () => {
    // A helper allowed 64 descriptors: 60 commands at once need three pipes' ends each.
    const limited = join(tempDir(), "voxnix-spawn");
    writeFileSync(limited, `#!/bin/sh\nulimit -n 64\nexec ${helper} "$@"\n`, { mode: 0o755 });
    const runner = createRunner({ log: captureLog().log, env, spawnHelper: limited });
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, () =>
        runner.run(["sleep", "0.5"]).then(
          () => "ok",
          (error: HostCommandError) => (error.cause as NodeJS.ErrnoException).code,
        ),
      ),
    );
    expect(new Set(outcomes)).toEqual(new Set(["ok", "EMFILE"]));
    expect((await runner.run(["echo", "still here"])).stdout).toBe("still here\n");
  });

  it("kills, when the daemon exits, a command whose start it has not yet reported", async () => {
    const runner = runnerWith();
    await parentOf(runner); // the helper is up
    const pidFile = join(tempDir(), "sleeper");
    // With megabytes of input still queued on the helper's stdin, as a frame in flight would be.
    const call = runner
      .run(["sh", "-c", `echo $$ > ${pidFile}; exec sleep 60`], {
        input: "x".repeat(3_000_000),
        timeoutMs: 60_000,
      })
      .catch((e: unknown) => e);
    // As the exit handler does, before this process has read the helper's 'P'.
    killAllHostCommands();
    const error = await call;
    expect(error).toBeInstanceOf(HostCommandError);
    // Killed, or never started (read after the kill): either way nothing of it runs.
    const written = existsSync(pidFile) ? readFileSync(pidFile, "utf8") : "";
    if (written !== "") expect(await eventually(() => !isRunning(Number(written)))).toBe(true);
    expect(String((error as HostCommandError).cause)).toMatch(/killed by SIGKILL|ECANCELED/);
    // A process that goes on after it (these tests do) starts new commands as before.
    expect((await runner.run(["echo", "after"])).stdout).toBe("after\n");
  });

  it("names a real-time signal by its number, which Node has no name for", async () => {
    const error = await runnerWith()
      .run(["sh", "-c", "kill -35 $$"])
      .catch((e: unknown) => e);
    expect((error as HostCommandError).cause).toMatchObject({ message: "killed by SIG35" });
  });

  it("forks, saying why, when a helper that passed its check can no longer be started", async () => {
    // Gone (Node reports ENOENT in an event), or under a path that is now a file (ENOTDIR,
    // which Node throws).
    for (const [vanish, problem] of [
      [(dir: string) => rmSync(join(dir, "voxnix-spawn")), "ENOENT"],
      [
        (dir: string) => {
          rmSync(dir, { recursive: true });
          writeFileSync(dir, "");
        },
        "ENOTDIR",
      ],
    ] as const) {
      const dir = join(tempDir(), "helper");
      mkdirSync(dir);
      copyFileSync(helper, join(dir, "voxnix-spawn"));
      const logs = captureLog();
      const runner = createRunner({ log: logs.log, env, spawnHelper: join(dir, "voxnix-spawn") });
      vanish(dir); // after the check, before the first command
      const parents = await Promise.all([parentOf(runner), parentOf(runner)]);
      expect(parents).toEqual([process.pid, process.pid]);
      expect(logs.entries()).toContainEqual(
        expect.objectContaining({
          msg: "spawn helper unusable: host commands fork",
          problem: expect.stringContaining(problem),
        }),
      );
    }
  });

  describe("after it could not be used", () => {
    // Only performance.now() is faked: the retry is a time to compare with, and the commands
    // are real.
    afterEach(() => void vi.useRealTimers());
    const unusable = "spawn helper unusable: host commands fork";
    const usableAgain = "spawn helper usable again: host commands go through it";

    /** A runner whose helper passed its check and was then removed. */
    function helperGoneAfterCheck() {
      const dir = join(tempDir(), "helper");
      mkdirSync(dir);
      const path = join(dir, "voxnix-spawn");
      copyFileSync(helper, path);
      const logs = captureLog();
      const runner = createRunner({ log: logs.log, env, spawnHelper: path });
      rmSync(path); // a package swapped under the daemon, say
      const warnings = () => logs.entries().filter((e) => e.msg === unusable);
      return { path, logs, runner, warnings };
    }

    it("forks until its retry, then goes through a helper that can be started again", async () => {
      vi.useFakeTimers({ toFake: ["performance"] });
      const { path, logs, runner, warnings } = helperGoneAfterCheck();
      expect(await parentOf(runner)).toBe(process.pid);
      await eventually(() => warnings().length === 1);
      expect(warnings()[0]).toMatchObject({ retryInMs: HELPER_RETRY_MS.first });

      copyFileSync(helper, path);
      vi.advanceTimersByTime(HELPER_RETRY_MS.first - 1_000);
      expect(await parentOf(runner)).toBe(process.pid); // not tried again yet
      vi.advanceTimersByTime(1_000);
      const parent = await parentOf(runner);
      expect(realpathSync(`/proc/${parent}/exe`)).toBe(realpathSync(path));
      expect(logs.entries()).toContainEqual(expect.objectContaining({ msg: usableAgain }));
      expect(warnings()).toHaveLength(1);
    });

    it("is tried less often while it keeps failing, at most every ten minutes", async () => {
      vi.useFakeTimers({ toFake: ["performance"] });
      const { runner, warnings } = helperGoneAfterCheck();
      for (let attempt = 1; attempt <= 8; attempt++) {
        expect(await parentOf(runner)).toBe(process.pid);
        // Node reports this failure in an event after the call: its warning comes after.
        await eventually(() => warnings().length === attempt);
        vi.advanceTimersByTime(Number(warnings().at(-1)?.retryInMs));
      }
      expect(warnings().map((w) => w.retryInMs)).toEqual(
        [10, 20, 40, 80, 160, 320, 600, 600].map((s) => s * 1_000),
      );
    });

    // Each passes the check, then dies: at once, as one a system call filter kills would, or
    // once it has said its first command started, as one killed at its first wait would.
    // Anything short of a command served to its end is not an answer.
    const diesAtOnce = '#!/bin/sh\n[ "$1" = --protocol ] && echo 3 && exit 0\nexit 1\n';
    const diesAtFirstCommand = `#!${process.execPath}
if (process.argv[2] === "--protocol") { console.log(3); process.exit(0); }
let got = Buffer.alloc(0);
process.stdin.on("data", (chunk) => {
  got = Buffer.concat([got, chunk]);
  if (got.length < 8) return;
  const started = Buffer.alloc(13);
  started.writeUInt32LE(9, 0);
  got.copy(started, 4, 4, 8);
  started.write("P", 8, "latin1");
  started.writeInt32LE(process.pid, 9);
  require("node:fs").writeSync(1, started);
  process.exit(1);
});
`;
    it.each([
      ["as it starts", diesAtOnce],
      ["at its first command, before that command ends", diesAtFirstCommand],
    ])("is held off when it dies %s, instead of failing every command", async (_, script) => {
      const dies = join(tempDir(), "voxnix-spawn");
      writeFileSync(dies, script, { mode: 0o755 });
      const logs = captureLog();
      const runner = createRunner({ log: logs.log, env, spawnHelper: dies });
      // Sent to it before it died: whether it started is not known, so it fails, and says so.
      const first = await runner.run(["true"]).catch((e: unknown) => e);
      expect((first as HostCommandError).cause).toMatchObject({
        message: expect.stringContaining("the spawn helper exited"),
      });
      expect(await parentOf(runner)).toBe(process.pid);
      expect(await parentOf(runner)).toBe(process.pid);
      expect(logs.entries().filter((e) => e.msg === unusable)).toEqual([
        expect.objectContaining({
          problem: "it exited (code 1) before answering",
          retryInMs: HELPER_RETRY_MS.first,
        }),
      ]);
    });
  });

  it("is passed over, saying why, when it is missing or speaks another protocol", async () => {
    const other = join(tempDir(), "voxnix-spawn");
    writeFileSync(other, "#!/bin/sh\necho 1\n", { mode: 0o755 });
    for (const [path, problem] of [
      [other, 'it speaks protocol "1", not 3'],
      [join(tempDir(), "missing"), expect.stringContaining("ENOENT")],
    ] as const) {
      const logs = captureLog();
      const runner = createRunner({ log: logs.log, env, spawnHelper: path });
      expect(await parentOf(runner)).toBe(process.pid);
      expect(logs.entries()).toContainEqual(
        expect.objectContaining({ msg: "spawn helper unusable: host commands fork", problem }),
      );
    }
  });
});
