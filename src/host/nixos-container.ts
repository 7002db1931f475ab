import type { Runner } from "./run.js";

/**
 * `nixos-container`: start and stop through the host unit. Never `run`: it enters the
 * container without its user namespace, as the host's root (container-exec.ts is the way in).
 */
export function nixosContainer(runner: Runner) {
  return {
    /** The host unit has TimeoutStartSec=1min, so a start can take up to a minute. */
    async start(name: string) {
      await runner.run(["nixos-container", "start", name], { timeoutMs: 90_000 });
    },
    async stop(name: string) {
      await runner.run(["nixos-container", "stop", name], { timeoutMs: 180_000 });
    },
  };
}

export type NixosContainer = ReturnType<typeof nixosContainer>;
