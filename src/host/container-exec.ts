import { randomBytes } from "node:crypto";
import { UnsafeHostPath } from "./errors.js";
import type { CommandResult, Runner } from "./run.js";

/**
 * A program by its absolute path (in the store: a container's system) and its arguments:
 * nothing is looked up on a PATH the tenant sets.
 */
export type StoreCommand = readonly [program: string, ...args: string[]];

const ABSOLUTE_PROGRAM = /^(\/[\w+-][\w.+-]*)+$/;

/** Time the container's systemd gets past the command's own deadline to report its end. */
const REPORT_MARGIN_MS = 15_000;

/**
 * The one way into a container: every command the daemon runs inside one goes through here.
 *
 * `systemd-run --machine=NAME` asks the container's own systemd to start the command as a
 * transient service, so it runs as the container's root inside every namespace of the
 * container, its user namespace included, in the container's cgroup and limits. The host side
 * only opens the container's bus socket; it reads none of the container's files, and nothing
 * of a login runs (no shell, no PAM, no profile): `nixos-container run` was `nsenter` without
 * the user namespace into `su -l`, which ran the tenant's shell files as the host's root
 * (host-cli-reference.md; nixpkgs issues 57083, 57087).
 *
 * --pipe hands our stdin/stdout/stderr to the command and waits; --collect unloads the unit
 * whatever its result; --service-type=exec reports a program that cannot be executed as a
 * failure instead of a started unit; RuntimeMaxSec has the container's systemd end the command
 * when its deadline passes even if this process was killed first. The environment is the
 * container manager's defaults plus nothing of ours: systemd-run passes none of its own.
 */
export function containerExec(runner: Runner) {
  return {
    async run(name: string, command: StoreCommand, timeoutMs = 30_000): Promise<CommandResult> {
      const [program, ...args] = command;
      if (!ABSOLUTE_PROGRAM.test(program))
        throw new UnsafeHostPath(
          `refusing to run ${JSON.stringify(program)} in ${name}: a program by absolute path only`,
        );
      return runner.run(
        [
          "systemd-run",
          `--machine=${name}`,
          `--unit=voxnix-exec-${randomBytes(6).toString("hex")}`,
          "--quiet",
          "--pipe",
          "--wait",
          "--collect",
          "--no-ask-password",
          "--service-type=exec",
          `--property=RuntimeMaxSec=${Math.ceil(timeoutMs / 1000)}`,
          "--",
          program,
          ...args,
        ],
        { timeoutMs: timeoutMs + REPORT_MARGIN_MS },
      );
    },
  };
}

export type ContainerExec = ReturnType<typeof containerExec>;
