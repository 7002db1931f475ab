import { randomBytes } from "node:crypto";
import { HostCommandError, tail, UnsafeHostPath } from "./errors.js";
import type { CommandResult, Runner } from "./run.js";

/**
 * A program by its absolute path (in the store: a container's system) and its arguments:
 * nothing is looked up on a PATH the tenant sets.
 */
export type StoreCommand = readonly [program: string, ...args: string[]];

const ABSOLUTE_PROGRAM = /^(\/[\w+-][\w.+-]*)+$/;

/** Time the container's systemd gets past the command's own deadline to end it and report. */
const REPORT_MARGIN_MS = 15_000;

/**
 * What systemd-run prints last about how the command ended (run.c): `code=exited/status=0` in
 * v252, `code=exited, status=0/SUCCESS` in v257 (measured in tests/lab/containers.test.ts; a
 * NixOS host has the latter). Its exit code alone is 0 too when the container stopped under the
 * command (the unit's state is lost with the bus) and when SIGTERM ended it (clean for
 * Type=exec): only this line tells success. Read as `code=…/status=…` whichever it printed.
 */
const REPORT = /^Main processes terminated with: code=(\w+)(?:\/|, )status=(\w+)/gm;

/**
 * The one way into a container: every command the daemon runs inside one goes through here.
 *
 * `systemd-run --machine=NAME` asks the container's own systemd to start the command as a
 * transient service, so it runs as the container's root inside every namespace of the
 * container, its user namespace included, in the container's cgroup and limits. The host side
 * only connects to the container's bus (sd-bus enters the leader's namespaces for the connect);
 * it reads none of the container's files, and nothing of a login runs (no shell, no PAM, no
 * profile): `nixos-container run` was `nsenter` without the user namespace into `su -l`, which
 * ran the tenant's shell files as the host's root (host-cli-reference.md; nixpkgs 57083, 57087).
 *
 * --pipe hands our stdin (/dev/null), stdout and stderr to the command; --collect unloads the
 * unit whatever its result; --service-type=exec makes a program that cannot be executed a
 * failure (exit 203); RuntimeMaxSec and TimeoutStopSec have the container's systemd end the
 * command by its deadline even if this process was killed first (a killed systemd-run leaves
 * its unit running). The command gets the container manager's default environment and nothing
 * of ours: systemd-run passes none of its caller's. systemd expands `$` in a command line, so
 * each is doubled (`--expand-environment=no` exists only since v254).
 */
export function containerExec(runner: Runner) {
  return {
    /**
     * Runs `command` in container `name`. `unit` names the transient unit for a command that
     * must never run twice at once in a container (the container's systemd refuses a second
     * start of a loaded unit): one started by a daemon that was then restarted keeps running,
     * without a holder mark reconcile could see. Others get a name of their own.
     */
    async run(
      name: string,
      command: StoreCommand,
      timeoutMs = 30_000,
      unit = `voxnix-exec-${randomBytes(6).toString("hex")}`,
    ): Promise<CommandResult> {
      const [program, ...args] = command;
      if (!ABSOLUTE_PROGRAM.test(program))
        throw new UnsafeHostPath(
          `refusing to run ${JSON.stringify(program)} in ${name}: a program by absolute path only`,
        );
      const argv = [
        "systemd-run",
        `--machine=${name}`,
        `--unit=${unit}`,
        "--pipe",
        "--wait",
        "--collect",
        "--no-ask-password",
        "--service-type=exec",
        `--property=RuntimeMaxSec=${Math.ceil(timeoutMs / 1000)}`,
        "--property=TimeoutStopSec=5",
        "--",
        program,
        // A function, not "$$": in a replacement string that means one "$".
        ...args.map((arg) => arg.replaceAll("$", () => "$$")),
      ] as const;
      const result = await runner.run(argv, { timeoutMs: timeoutMs + REPORT_MARGIN_MS });
      const last = [...result.stderr.matchAll(REPORT)].at(-1);
      const report = last && `code=${last[1]}/status=${last[2]}`;
      if (report !== "code=exited/status=0")
        throw new HostCommandError({
          argv,
          exitCode: result.exitCode,
          stdoutTail: tail(result.stdout),
          stderrTail: tail(result.stderr),
          message: `${program} in ${name} did not finish (${report ?? "the container's systemd did not say how it ended: the container may have stopped"})`,
        });
      return result;
    },
  };
}

export type ContainerExec = ReturnType<typeof containerExec>;
