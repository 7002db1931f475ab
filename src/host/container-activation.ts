import type { ContainerExec } from "./container-exec.js";

/**
 * Activates `systemPath` in a running container without a restart, as extra-container's
 * --update-changed does for a container whose conf changed only in SYSTEM_PATH
 * (`switch-to-configuration test`: the conf, not the container's profile, says what boots
 * next). It runs under the container's own systemd, as nixos-rebuild runs it under systemd-run,
 * so it talks to that systemd as the container's root (nixpkgs issue 57087: through
 * `nixos-container run` it was the host's root, whom the user namespace does not map). Unlike
 * extra-container, a failure is not ignored: it is the caller's to undo.
 */
export function containerActivation(inside: ContainerExec) {
  return {
    async switchTo(name: string, systemPath: string) {
      // One at a time: a repair after a restart must not activate beside the first one.
      await inside.run(
        name,
        [`${systemPath}/bin/switch-to-configuration`, "test"],
        300_000,
        "voxnix-switch-to-configuration",
      );
    },
  };
}

export type ContainerActivation = ReturnType<typeof containerActivation>;
