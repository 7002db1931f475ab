import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** The template boot.enableContainers installs; the boot-time wants links point at it. */
export const TEMPLATE_UNIT = "/etc/systemd/system/container@.service";

/** Shell variables a script reads that no conf sets. */
const SHELL_OWN = new Set(["PATH", "IFS", "OIFS", "HOME", "PWD", "RANDOM", "UID"]);

const EXEC_LINE = /^(ExecStart|ExecStartPre|ExecStartPost|ExecStop|ExecStopPost)=(.*)$/;
const ENVIRONMENT_LINE = /^Environment=(.*)$/;
/** `$NAME` or `${NAME…}`: the upper-case variables a conf can set. */
const VARIABLE = /\$\{?([A-Z][A-Z0-9_]*)/g;
/** A variable the script sets itself, at the start of a line (`--setenv KEY="$KEY"` only passes one on). */
const ASSIGNMENT = /^\s*(?:(?:local|declare|export)\s+)?([A-Z][A-Z0-9_]*)=/gm;

/**
 * Which keys of `/etc/nixos-containers/<name>.conf` the host's `container@.service` template
 * reads: the upper-case variables its start and stop scripts use that neither the unit
 * (`Environment=`) nor the scripts themselves set. The conf is the template's
 * `EnvironmentFile=`, so these are its whole interface: a key the template gained in a NixOS
 * release (25.05's `PRIVATE_USERS=`) shows up here before any container starts without it.
 * NixOS renders a unit's script, preStart and postStart as store scripts named by
 * ExecStart/ExecStartPre/ExecStartPost (nixos/lib/systemd-lib.nix); the drop-ins beside the
 * unit count too. Undefined when the host has no template (boot.enableContainers is off).
 */
export async function templateConfKeys(hostRoot = "/"): Promise<Set<string> | undefined> {
  const unitPath = join(hostRoot, TEMPLATE_UNIT);
  const unit = await readFile(unitPath, "utf8").catch(() => undefined);
  if (unit === undefined) return undefined;
  const dropIns = await readdir(`${unitPath}.d`).catch(() => [] as string[]);
  const units = [
    unit,
    ...(await Promise.all(
      dropIns
        .filter((f) => f.endsWith(".conf"))
        .map((f) => readFile(join(`${unitPath}.d`, f), "utf8").catch(() => "")),
    )),
  ];
  const lines = units.flatMap((text) => text.split("\n").map((l) => l.trim()));

  /** The first group of each match of `pattern` (global) in `text`. */
  const names = (text: string, pattern: RegExp) =>
    [...text.matchAll(pattern)].map((m) => m[1] ?? "");
  const setByUnit = new Set(
    lines.flatMap((line) => names(ENVIRONMENT_LINE.exec(line)?.[1] ?? "", /"?([A-Za-z_]\w*)=/g)),
  );
  const scripts = lines
    .map((line) => EXEC_LINE.exec(line)?.[2] ?? "")
    // `@-:+!` prefixes (systemd.service(5)), then the program.
    .map((value) => value.replace(/^[@\-:+!]+/, "").split(/\s+/)[0] ?? "")
    .filter((program) => program.startsWith("/"));
  const keys = new Set<string>();
  for (const script of scripts) {
    const text = await readFile(join(hostRoot, script), "utf8").catch(() => "");
    const own = new Set([...setByUnit, ...names(text, ASSIGNMENT), ...SHELL_OWN]);
    for (const key of names(text, VARIABLE)) if (!own.has(key)) keys.add(key);
  }
  return keys;
}
