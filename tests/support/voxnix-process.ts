import { execa } from "execa";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { tempDir } from "./temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The program and arguments that run voxnix with `args`: Node on the bundle the run's global
 * set-up built from src/ (tests/support/bundle.ts), as the appliance runs dist/: without
 * --enable-source-maps, which parses the bundle's maps at every start (~0.1 s of CPU a process,
 * over the suite's hundreds). A stack in a failure names the bundle's lines; dist/*.map maps them.
 */
export function voxnixCommand(args: readonly string[]): [string, string[]] {
  return [process.execPath, [inject("voxnixMain"), ...args]];
}

/**
 * Runs the real voxnix CLI as a separate process with exactly `env` (plus PATH and HOME), and
 * returns its exit code and output. It runs in a fresh directory unless told otherwise: voxnix
 * reads `.env` from its working directory, and the repository's is the developer's own.
 */
export async function voxnix(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string } = {},
) {
  const result = await execa(...voxnixCommand(args), {
    cwd: options.cwd ?? tempDir(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...options.env },
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    timeout: 30_000,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
  });
  return {
    exitCode: result.exitCode,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/**
 * The environment a voxnix process needs on a fake host: fakes first on PATH, a fresh state
 * directory, the repo's Nix directory, the fake's conf directory, admin 1 and user 1001.
 */
export function fakeHostEnv(
  host: { path: string; root: string; mountNamespace: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: host.path,
    VOXNIX_ADMINS: "1",
    VOXNIX_USERS: "1001",
    VOXNIX_STATE_DIR: tempDir("voxnix-state-"),
    VOXNIX_NIX_DIR: ROOT.replace(/\/$/, ""),
    VOXNIX_HOST_ROOT: host.root,
    VOXNIX_HOST_MOUNT_NAMESPACE: host.mountNamespace,
    ...extra,
  };
}

/**
 * Runs voxnix with a terminal, as an admin at a shell has (`script` gives it one), typing
 * `input`. Returns the exit code and what the terminal showed (stdout and stderr together).
 */
export async function voxnixOnTerminal(
  args: string[],
  options: { env: Record<string, string>; input: string },
) {
  const [program, programArgs] = voxnixCommand(args);
  const command = [program, ...programArgs].map((word) => `'${word}'`).join(" ");
  const result = await execa("script", ["-qec", `${command}; echo "exit=$?"`, "/dev/null"], {
    cwd: tempDir(),
    env: { ...options.env, HOME: process.env.HOME ?? "/root" },
    extendEnv: false,
    input: options.input,
    reject: false,
    timeout: 30_000,
  });
  const output = String(result.stdout);
  const exit = /exit=(\d+)\s*$/.exec(output)?.[1];
  return { exitCode: exit === undefined ? undefined : Number(exit), output };
}
