// services.voxnix.webApp against a real nixpkgs (evaluation only): the Mini App's settings
// reach the daemon, and `tailscale serve` publishes its loopback port, only when asked for.
// Needs the tree ../shared/nix-eval.md lays out, named by VOXNIX_NIXPKGS; skipped without it.
import { execa } from "execa";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasNix } from "../support/nix.js";
import { REPO_ROOT } from "../support/test-workloads.js";

const NIXPKGS = process.env.VOXNIX_NIXPKGS ?? "";
const TREE = dirname(NIXPKGS);
const SKIP =
  hasNix && NIXPKGS !== "" && existsSync(join(NIXPKGS, "nixos/lib/eval-config.nix"))
    ? undefined
    : "needs VOXNIX_NIXPKGS naming a laid-out nixpkgs tree (../shared/nix-eval.md)";
const EVAL_MS = 180_000;

interface Evaluated {
  failed: string[];
  environment?: { VOXNIX_WEB_URL: string | null; VOXNIX_WEB_LISTEN: string };
  serve?: { ExecStart: string; ExecStop: string; bindsTo: string[] } | null;
}

async function evaluate(config: string): Promise<Evaluated> {
  const expression = `import ${REPO_ROOT}/tests/nix/eval/web-app.nix { repo = ${REPO_ROOT}; tree = ${TREE}; config = ${config}; }`;
  const { stdout } = await execa(
    "nix-instantiate",
    ["--eval", "--strict", "--json", "-E", expression],
    {
      env: { NIX_PATH: `nixpkgs=${NIXPKGS}`, NPM_CONFIG_REGISTRY: "http://registry.invalid/" },
      timeout: EVAL_MS,
    },
  );
  return JSON.parse(stdout) as Evaluated;
}

const base = `enable = true; botTokenFile = "/run/x"; settings.LLM_BASE_URL = "http://127.0.0.1:11434/v1"; settings.VOXNIX_ADMINS = [ 1 ]; settings.VOXNIX_STORAGE = "dir";`;

describe.skipIf(SKIP !== undefined)(`services.voxnix.webApp (${SKIP ?? "nixpkgs 24.11"})`, () => {
  it(
    "publishes the daemon's loopback port with tailscale serve, and needs its URL and tailscale",
    async () => {
      const [on, off, missing] = await Promise.all([
        evaluate(
          `{ services.voxnix = { ${base} webApp.enable = true; settings.VOXNIX_WEB_URL = "https://voxnix.tail1234.ts.net"; }; services.tailscale.enable = true; }`,
        ),
        evaluate(`{ services.voxnix = { ${base} }; }`),
        evaluate(`{ services.voxnix = { ${base} webApp.enable = true; }; }`),
      ]);
      expect(on.failed).toEqual([]);
      expect(on.environment).toEqual({
        VOXNIX_WEB_URL: "https://voxnix.tail1234.ts.net",
        VOXNIX_WEB_LISTEN: "127.0.0.1:8470",
      });
      expect(on.serve?.ExecStart).toMatch(
        /\/bin\/tailscale serve --bg --https=443 http:\/\/127\.0\.0\.1:8470$/,
      );
      expect(on.serve?.ExecStop).toMatch(/\/bin\/tailscale serve --https=443 off$/);
      expect(on.serve?.bindsTo).toEqual(["voxnix.service"]);
      // Off by default: no URL in the daemon's environment, nothing published.
      expect(off).toMatchObject({ failed: [], environment: { VOXNIX_WEB_URL: null }, serve: null });
      expect(missing.failed).toEqual([
        "services.voxnix.webApp.enable needs services.voxnix.settings.VOXNIX_WEB_URL: this host's https:// name on the tailnet (e.g. https://voxnix.tail1234.ts.net).",
        "services.voxnix.webApp.enable publishes the Mini App with `tailscale serve`: enable services.tailscale too.",
      ]);
    },
    EVAL_MS,
  );
});
