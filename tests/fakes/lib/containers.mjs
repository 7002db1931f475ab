// The container model shared by the fake extra-container, nixos-container, machinectl,
// systemctl and journalctl. "Installed" is the conf file in root/etc/nixos-containers, exactly
// as on a real host; "running" is an entry in state.machines (machinectl's view).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appendJournal, paths } from "./state.mjs";
import { die } from "./tool.mjs";

const NIXOS_CONTAINER = "/run/current-system/sw/bin/nixos-container";

export const confPath = (name, p = paths()) => join(p.confDir, `${name}.conf`);
export const unitPath = (name, p = paths()) => join(p.unitDir, `container@${name}.service`);
export const gcrootPath = (name, p = paths()) => join(p.gcrootDir, `extra-container-${name}`);

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

/** Names with a unit file in the mutable unit dir: what `extra-container list` prints. */
export function unitNames(p = paths()) {
  if (!existsSync(p.unitDir)) return [];
  return readdirSync(p.unitDir)
    .map((f) => /^container@(.+)\.service$/.exec(f)?.[1])
    .filter(Boolean)
    .sort();
}

/**
 * The conf a real build would install. SYSTEM_PATH depends only on the module set, as in a
 * closure-sharing mkContainer: two containers with the same modules share one system.
 */
export function confFor(spec) {
  const modules = [...(spec.modules ?? [])].sort().join(",");
  const system = createHash("sha256").update(modules).digest("hex").slice(0, 32);
  const specHash = createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16);
  return [
    `SYSTEM_PATH=/nix/store/${system}-nixos-system-${spec.name}`,
    "PRIVATE_NETWORK=1",
    "HOST_BRIDGE=br-vox",
    "HOST_ADDRESS=",
    "LOCAL_ADDRESS=",
    "AUTO_START=1",
    `# fake: spec ${specHash}`,
    `# fake: workspace ${spec.workspace?.hostPath ?? ""}`,
    "",
  ].join("\n");
}

/** The workspace host path a container binds, as its conf records it. */
export function workspaceOf(name) {
  return /^# fake: workspace (.+)$/m.exec(readConf(name) ?? "")?.[1];
}

export function readConf(name) {
  return isInstalled(name) ? readFileSync(confPath(name), "utf8") : undefined;
}

export function install(name, conf, p = paths()) {
  for (const dir of [p.confDir, p.unitDir, p.gcrootDir]) mkdirSync(dir, { recursive: true });
  writeFileSync(unitPath(name, p), `[Unit]\nDescription=Container '${name}'\n`);
  writeFileSync(gcrootPath(name, p), conf.split("\n")[0].slice("SYSTEM_PATH=".length));
  // Last, as in extra-container: the conf is what makes the container count as installed.
  writeFileSync(confPath(name, p), conf);
}

export function uninstall(name, p = paths()) {
  for (const file of [unitPath(name, p), gcrootPath(name, p), confPath(name, p)])
    rmSync(file, { force: true });
}

export function start(state, name) {
  if (isRunning(state, name)) return;
  const address = `10.100.0.${state.nextAddress++}`;
  state.machines[name] = { since: Date.now(), addresses: [address, "fe80::1"] };
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
