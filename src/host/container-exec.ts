import { randomBytes } from "node:crypto";
import { HostCommandError, HostToolMissing, tail, UnsafeHostPath } from "./errors.js";
import { locateOnPath } from "./locate.js";
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
export function containerExec(
  runner: Runner,
  options: {
    /** What a terminal runs in the container: a NixOS system's unless told (tests). */
    terminal?: TerminalPrograms;
  } = {},
) {
  const terminal = options.terminal ?? NIXOS_TERMINAL;
  const exec = {
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
        ...wayIn(name, unit, timeoutMs, "--wait"),
        program,
        ...args.map(unexpanded),
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

    /**
     * A shell in container `name` on a terminal, the same way in as `run`: the container's own
     * systemd starts it as the container's root in its user namespace. node-pty gives
     * systemd-run a terminal here, which --pipe hands to the command as its stdin and stdout;
     * the command is util-linux's `script`, which makes the shell a terminal of its own inside
     * the container (its controlling terminal, for job control) and copies between the two,
     * raw. A resize sets ours, then has the container's systemd signal `script` (SIGWINCH,
     * through `systemctl kill`, in the container too), which copies the new size inward.
     * (`systemd-run --pty` would have the host's machined open the terminal, OpenMachinePTY:
     * a second way in, through another daemon.) Closing ours hangs up the shell; RuntimeMaxSec
     * bounds a session whose holder vanished.
     */
    async terminal(
      name: string,
      size: { cols: number; rows: number },
      maxMs = 12 * 3_600_000,
    ): Promise<ContainerTerminal> {
      const systemdRun = locateOnPath("systemd-run", runner.path);
      if (!systemdRun)
        throw new HostToolMissing({ argv: ["systemd-run"], searchedPath: runner.path });
      const { spawn } = await import("node-pty");
      const unit = `voxnix-terminal-${randomBytes(6).toString("hex")}`;
      const pty = spawn(
        systemdRun,
        [
          ...wayIn(name, unit, maxMs, "--quiet"),
          terminal.script,
          "--quiet",
          "--command",
          unexpanded(terminal.shell),
          "/dev/null",
        ],
        {
          name: "xterm-256color",
          cols: size.cols,
          rows: size.rows,
          cwd: "/",
          // systemd-run passes none of it on: the shell gets the container's environment.
          env: { PATH: runner.path },
        },
      );
      let signal: NodeJS.Timeout | undefined;
      return {
        pid: pty.pid,
        onData: (listener) => pty.onData(listener),
        onExit: (listener) => pty.onExit(listener),
        write: (data) => pty.write(data),
        pause: () => pty.pause(),
        resume: () => pty.resume(),
        kill: () => {
          clearTimeout(signal);
          pty.kill();
        },
        resize(cols, rows) {
          pty.resize(cols, rows);
          // Once a drag of the window settles, not for every step of it.
          clearTimeout(signal);
          signal = setTimeout(() => {
            const argv = ["kill", "--kill-whom=main", "--signal=SIGWINCH", unit] as const;
            exec.run(name, [terminal.systemctl, ...argv], 10_000).catch(() => {
              // The shell may have just ended; its size no longer matters.
            });
          }, RESIZE_SETTLE_MS);
        },
      };
    },
  };
  return exec;
}

/**
 * systemd-run's arguments for the one way in (see containerExec), up to the command: the
 * container's own systemd runs it as a transient unit named `unit`, with our stdio, unloaded
 * whatever its result, ended by the container's systemd after `maxMs`. `mode`: --wait for a
 * command whose end is reported; --quiet for a terminal, whose output is the session.
 */
function wayIn(name: string, unit: string, maxMs: number, mode: "--wait" | "--quiet") {
  return [
    `--machine=${name}`,
    `--unit=${unit}`,
    "--pipe",
    mode,
    "--collect",
    "--no-ask-password",
    "--service-type=exec",
    `--property=RuntimeMaxSec=${Math.ceil(maxMs / 1000)}`,
    "--property=TimeoutStopSec=5",
    "--",
  ];
}

/** systemd expands `$` in a command line: each is doubled (a function: in a replacement string "$$" is one "$"). */
const unexpanded = (arg: string) => arg.replaceAll("$", () => "$$");

/** A resize is passed into the container once no other came for this long. */
const RESIZE_SETTLE_MS = 150;

/**
 * The programs a terminal runs in a container: a NixOS system's, by absolute path. Through
 * /run/current-system, which the container's root may repoint: unlike the daemon's own
 * commands, whatever runs here is the tenant's shell, with no more than the tenant's rights.
 */
export interface TerminalPrograms {
  /** util-linux's script. */
  readonly script: string;
  /** The shell's command line (script runs it with /bin/sh -c). */
  readonly shell: string;
  readonly systemctl: string;
}

const NIXOS_TERMINAL: TerminalPrograms = {
  script: "/run/current-system/sw/bin/script",
  shell: "exec /run/current-system/sw/bin/bash --login",
  systemctl: "/run/current-system/sw/bin/systemctl",
};

/** The host side of a container's terminal. */
export interface ContainerTerminal {
  readonly pid: number;
  onData(listener: (data: string) => void): { dispose(): void };
  onExit(listener: (event: { exitCode: number; signal?: number }) => void): { dispose(): void };
  write(data: string): void;
  /** Columns and rows, each from 1. */
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(): void;
}

export type ContainerExec = ReturnType<typeof containerExec>;
