import type { Runner } from "./run.js";

/** `nixos-container`: start/stop through the host unit, and commands inside a running container. */
export function nixosContainer(runner: Runner) {
  return {
    /** The host unit has TimeoutStartSec=1min, so a start can take up to a minute. */
    async start(name: string) {
      await runner.run(["nixos-container", "start", name], { timeoutMs: 90_000 });
    },
    async stop(name: string) {
      await runner.run(["nixos-container", "stop", name], { timeoutMs: 180_000 });
    },
    /**
     * Activates `systemPath` in the running container without a restart, as extra-container's
     * --update-changed does for a container whose conf changed only in SYSTEM_PATH
     * (`switch-to-configuration test`: the conf, not the container's profile, says what boots
     * next). Unlike extra-container, a failure is not ignored: it is the caller's to undo.
     */
    async switchTo(name: string, systemPath: string) {
      await runner.run(
        ["nixos-container", "run", name, "--", `${systemPath}/bin/switch-to-configuration`, "test"],
        { timeoutMs: 300_000 },
      );
    },
    /** Runs `command` as root through a login shell inside the running container. */
    async run(name: string, command: readonly [string, ...string[]], timeoutMs = 30_000) {
      return runner.run(["nixos-container", "run", name, "--", ...command], { timeoutMs });
    },
  };
}

export type NixosContainer = ReturnType<typeof nixosContainer>;
