// Shared state of one fake host, a directory (the current tool call's, see invocation.mjs).
//
//   state.json      datasets, snapshots, running machines, journals, tailscale nodes, settings
//   faults.json     failure-injection rules (see tool.mjs)
//   calls.jsonl     one line per invocation of any fake tool: { tool, args, at }
//   root/           the host's files (VOXNIX_HOST_ROOT): etc/nixos-containers/<n>.conf,
//                   etc/systemd-mutable/system/…, nix/var/nix/gcroots/voxnix/…, and nix/store/,
//                   where the fake nix-build puts the systems it "builds"
//   gates/          one empty file per gate a test has opened (the "gate" fault waits for it)
//   pids/           pids of children that a "hang" fault spawned (tests check they die)
//   io/             each finished call's stdout and stderr, until its client has printed them
//   port            the tool server's TCP port on 127.0.0.1
//
// One process writes state.json: the tool server runs in the process that made the host (the
// test, or make-fake-host's server), and each read-modify-write is synchronous, so concurrent
// tool calls cannot interleave inside one and no lock is needed. Writes go through a rename, so
// a reader never sees half a file.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { currentHostDir } from "./invocation.mjs";

export function hostDir() {
  const dir = currentHostDir();
  if (!dir) throw new Error("fake host: no host directory (not inside a fake tool call)");
  return dir;
}

export const paths = (dir = hostDir()) => ({
  dir,
  state: join(dir, "state.json"),
  faults: join(dir, "faults.json"),
  calls: join(dir, "calls.jsonl"),
  pids: join(dir, "pids"),
  gates: join(dir, "gates"),
  root: join(dir, "root"),
  confDir: join(dir, "root/etc/nixos-containers"),
  unitDir: join(dir, "root/etc/systemd-mutable/system"),
  gcrootDir: join(dir, "root/nix/var/nix/gcroots"),
});

export function initialState(settings = {}) {
  return {
    settings: {
      // What `<nixpkgs>` names (nix-instantiate --find-file); change it to stand for an update.
      nixpkgs: "/nix/var/nix/profiles/per-user/root/channels/nixpkgs",
      buildDelayMs: 0, // how long a fake build takes
      startDelayMs: 0, // how long a container takes to start
      poolFreeBytes: 100 * 1024 ** 3,
      templateUnit: true, // container@.service exists (boot.enableContainers)
      ...settings,
    },
    datasets: {},
    snapshots: {},
    machines: {},
    nextAddress: 2,
    journal: {},
    tailscale: {},
    unitProperties: {},
    counters: {},
  };
}

export function readState(p = paths()) {
  return JSON.parse(readFileSync(p.state, "utf8"));
}

function writeState(p, state) {
  const temp = `${p.state}.tmp`;
  writeFileSync(temp, JSON.stringify(state, null, 1));
  renameSync(temp, p.state);
}

/** Runs fn(state) and saves what it leaves in state. */
export function updateState(fn, p = paths()) {
  const state = readState(p);
  const result = fn(state);
  writeState(p, state);
  return result;
}

export function recordCall(tool, args, p = paths()) {
  appendFileSync(p.calls, `${JSON.stringify({ tool, args, at: Date.now() })}\n`);
}

export function readFaults(p = paths()) {
  return existsSync(p.faults) ? JSON.parse(readFileSync(p.faults, "utf8")) : [];
}

/** The journal a line goes to: a container's own (`machine:dev`) or a host unit's. */
export function appendJournal(state, key, message) {
  const at = new Date().toISOString().replace(/\.\d+Z$/, "+00:00");
  (state.journal[key] ??= []).push(`${at} voxnix-host ${message}`);
}
