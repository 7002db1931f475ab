// The lab's container@.service stand-in (tests/lab/files) held to the real template, which
// boot.enableContainers renders from nixpkgs' nixos-containers.nix: its scripts line by line and
// its service settings, with the store paths and the differences the stand-in's header names
// taken out; and the lab's voxnix.service stand-in held to the unit nix/module.nix renders.
// Needs a laid-out nixpkgs tree (VOXNIX_NIXPKGS, as tests/nix/nixpkgs-eval.test.ts); the lab
// itself is not booted.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasNix, nixEval } from "../support/nix.js";
import { REPO_ROOT } from "../support/test-workloads.js";
import { STORE } from "../support/lab.js";

const NIXPKGS = process.env.VOXNIX_NIXPKGS ?? "";
const TREE = dirname(NIXPKGS);
const hasTree =
  hasNix && NIXPKGS !== "" && existsSync(join(TREE, "extra-container/eval-config.nix"));
const SKIP = hasTree
  ? "nixpkgs tree at VOXNIX_NIXPKGS"
  : "needs VOXNIX_NIXPKGS naming a laid-out nixpkgs tree (../shared/nix-eval.md); CI has none";
const FILES = join(REPO_ROOT, "tests/lab/files");

interface Template {
  script: string;
  preStart: string;
  postStart: string;
  serviceConfig: Record<string, unknown>;
  environment: Record<string, string>;
  unitConfig: Record<string, unknown>;
}

/** A script's commands: no comments, no blank lines, no indentation, no line continuations. */
const commands = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && line !== "\\" && !line.startsWith("#"));

/** The stand-in's script `name`, without what NixOS's rendering adds or its header names. */
const standIn = (name: string) =>
  commands(readFileSync(join(FILES, name), "utf8")).filter(
    (line) => line !== "set -e" && line !== 'mkdir -p "$root/usr"',
  );

describe.skipIf(!hasTree)(`the lab's container@ template stand-in (${SKIP})`, () => {
  it("runs the template's scripts and has its service settings", async () => {
    const real = (await nixEval(
      `let c = (import ${TREE}/extra-container/eval-config.nix {
           nixosPath = ${NIXPKGS}/nixos; legacyInstallDirs = false; system = "x86_64-linux";
           systemConfig = { boot.enableContainers = true; };
         }).config.systemd.services."container@";
         in { inherit (c) script preStart postStart serviceConfig environment unitConfig; }`,
      120_000,
    )) as Template;

    expect(standIn("container-pre-start.sh")).toEqual(commands(real.preStart));
    expect(standIn("container-post-start.sh")).toEqual(commands(real.postStart));
    // The start script: the lab's nspawn and init stand-in for the store's; no i686 check (the
    // stand-in system has no system file) and no extra veths (the template has none).
    const start = commands(real.script).filter((line) => line !== "extraFlags+=()");
    const personality = start.findIndex((line) => line.startsWith('if [ "$(< "${SYSTEM_PATH'));
    expect(start.slice(personality + 1, personality + 3)).toEqual([
      'extraFlags+=("--personality=x86")',
      "fi",
    ]);
    start.splice(personality, 3);
    expect(standIn("container-start.sh")).toEqual(
      start.map((line) =>
        line
          .replace(/^exec \/nix\/store\/[^ ]+\/bin\/systemd-nspawn /, "exec systemd-nspawn ")
          .replace(/^\/nix\/store\/[^ ]+-container-init /, `${STORE.container}/init `),
      ),
    );

    const unit = readFileSync(join(FILES, "container@.service"), "utf8");
    const setting = (key: string) =>
      unit
        .split("\n")
        .filter((line) => line.startsWith(`${key}=`))
        .map((line) => line.slice(key.length + 1));
    for (const [key, value] of Object.entries(real.serviceConfig)) {
      if (key.startsWith("Exec")) continue;
      const expected = Array.isArray(value) ? value.map(String) : [String(value)];
      expect([key, setting(key)]).toEqual([key, expected]);
    }
    expect(setting("Environment")).toEqual(
      expect.arrayContaining([
        `"INSTANCE=${real.environment.INSTANCE}"`,
        `"root=${real.environment.root}"`,
      ]),
    );
    expect(setting("RequiresMountsFor")).toEqual([real.unitConfig.RequiresMountsFor]);
  }, 180_000);
});

describe.skipIf(!hasTree)(`the lab's voxnix.service stand-in (${SKIP})`, () => {
  it("is the unit nix/module.nix renders, but for what its header names; its tmpfiles the module's", async () => {
    // The settings the stand-in's header says it was written for.
    const config = `{ services.voxnix = { enable = true; botTokenFile = "/etc/voxnix/bot-token";
      settings = { VOXNIX_ADMINS = [ 1001 ]; VOXNIX_STORAGE = "dir";
        LLM_BASE_URL = "http://127.0.0.1:9/v1"; TELEGRAM_API_ROOT = "http://127.0.0.1:8081"; }; }; }`;
    const real = (await nixEval(
      `import ${REPO_ROOT}/tests/nix/eval/service.nix {
           repo = ${REPO_ROOT}; tree = ${TREE}; show = "confinement"; config = ${config}; }`,
      180_000,
    )) as { unit: string; tmpfiles: string[] };
    /** Its lines but comments, blank lines and the differences the header names. */
    const comparable = (unit: string) =>
      unit
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#"))
        .filter(
          (line) =>
            !/^Environment="(PATH|NIX_PATH|LOCALE_ARCHIVE|TZDIR)=/.test(line) &&
            !/^(ExecStart|X-Restart-Triggers)=/.test(line),
        );
    const standIn = readFileSync(join(FILES, "voxnix.service"), "utf8");
    expect(comparable(standIn)).toEqual(comparable(real.unit));

    // The tmpfiles rules that make what the unit writes: the module's, for those paths.
    const writable = standIn
      .split("\n")
      .filter((line) => line.startsWith("ReadWritePaths="))
      .map((line) => line.slice("ReadWritePaths=".length));
    const rules = (lines: string[]) =>
      lines.filter(
        (line) => line.startsWith("d ") && writable.includes(line.split(/\s+/)[1] ?? ""),
      );
    expect(rules(readFileSync(join(FILES, "voxnix.tmpfiles"), "utf8").split("\n"))).toEqual(
      rules(real.tmpfiles),
    );
    expect(rules(real.tmpfiles)).toHaveLength(writable.length);
  }, 180_000);
});
