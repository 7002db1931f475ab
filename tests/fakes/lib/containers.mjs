// The container model shared by the fake nix-build, nixos-container, machinectl, systemctl and
// journalctl. "Installed" is the conf file in root/etc/nixos-containers, exactly as on a real
// host, written by the code under test; "running" is an entry in state.machines (machinectl's
// view). The fakes read the conf as nixpkgs' container@.service template does.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { appendJournal, paths } from "./state.mjs";
import { die } from "./tool.mjs";

const NIXOS_CONTAINER = "/run/current-system/sw/bin/nixos-container";

export const confPath = (name, p = paths()) => join(p.confDir, `${name}.conf`);

export const isInstalled = (name) => existsSync(confPath(name));
export const isRunning = (state, name) => name in state.machines;

/** Names with a conf file: what `nixos-container list` prints. */
export function installedNames(p = paths()) {
  if (!existsSync(p.confDir)) return [];
  return readdirSync(p.confDir)
    .filter((f) => f.endsWith(".conf"))
    .map((f) => f.slice(0, -".conf".length))
    .sort();
}

/** The conf's variables, as systemd reads an EnvironmentFile (comments skipped, quotes removed). */
export function readConf(name) {
  if (!isInstalled(name)) return undefined;
  const values = {};
  for (const line of readFileSync(confPath(name), "utf8").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) values[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
  }
  return values;
}

/** The host path bound at /workspace, from the conf's nspawn flags. */
export function workspaceOf(name) {
  const flags = readConf(name)?.EXTRA_NSPAWN_FLAGS ?? "";
  return /--bind=([^\s:]+):\/workspace(?:\s|$)/.exec(flags)?.[1];
}

/**
 * Refuses a start the way the template's start script would fail: no conf, no system. The
 * error is what `systemctl start` prints when the unit's start fails.
 */
export function mustBeStartable(name) {
  const conf = readConf(name);
  const system = conf?.SYSTEM_PATH;
  if (!system || !existsSync(system)) {
    die(
      `Job for container@${name}.service failed because the control process exited with error code.\n` +
        `See "systemctl status container@${name}.service" and "journalctl -xeu container@${name}.service" for details.`,
    );
  }
}

/** Where the template keeps a container's root file system (the fake writes nothing there). */
export const stateDirOf = (name, p = paths()) => join(p.root, "var/lib/nixos-containers", name);

/** What `nixos-container destroy` removes (clearContainerState): the state directory, the conf. */
export function removeConf(name, p = paths()) {
  rmSync(stateDirOf(name, p), { recursive: true, force: true });
  rmSync(confPath(name, p), { force: true });
}

export function start(state, name) {
  if (isRunning(state, name)) return;
  // nixos-containers.nix's containerInit puts the conf's LOCAL_ADDRESS on eth0; a conf without
  // one (on a bridge, DHCP) gets the next of a pool, as dnsmasq handed them out.
  const address = readConf(name)?.LOCAL_ADDRESS || `10.100.0.${state.nextAddress++}`;
  // The system it boots is the conf's; switch-to-configuration inside changes it (runningSystem).
  const system = readConf(name)?.SYSTEM_PATH;
  state.machines[name] = { since: Date.now(), addresses: [address, "fe80::1"], system };
  // A start by hand resets systemd's count of automatic restarts (NRestarts).
  delete state.unitUsage?.[`container@${name}.service`]?.NRestarts;
  appendJournal(
    state,
    `unit:container@${name}.service`,
    `systemd[1]: Started Container '${name}'.`,
  );
  appendJournal(state, `machine:${name}`, `systemd[1]: Startup finished.`);
}

export function stop(state, name) {
  if (!isRunning(state, name)) return;
  delete state.machines[name];
  delete state.tailscale[name];
  appendJournal(
    state,
    `unit:container@${name}.service`,
    `systemd[1]: Stopped Container '${name}'.`,
  );
}

/** nixos-container's Perl `die` for a name without a conf file. */
export function mustBeInstalled(name) {
  if (!name) die(`${NIXOS_CONTAINER}: no container name specified`, 255);
  if (!isInstalled(name)) die(`${NIXOS_CONTAINER}: container ‘${name}’ does not exist`, 255);
}

export { NIXOS_CONTAINER };
