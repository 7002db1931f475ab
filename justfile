# voxnix tasks. `just` lists them. Host tasks take the appliance's SSH address (root@host or host).

set shell := ["bash", "-euo", "pipefail", "-c"]

# The npm registry the Nix build fetches from: yours, never committed (docs/operations.md).
export NPM_CONFIG_REGISTRY := env_var_or_default("NPM_CONFIG_REGISTRY", `npm config get registry 2>/dev/null || true`)

default:
    @just --list

# install dependencies exactly as locked
setup:
    npm ci

# run the daemon from source with .env (restarts on change)
dev:
    npx tsx watch src/main.ts serve

# README's test command: typecheck, lint, then every test
test:
    npm test

# tests only, re-running on change
watch:
    npx vitest

lint:
    npm run lint

# format TypeScript, JSON and Markdown (prettier), and Nix when nixfmt is installed
fmt:
    npm run format
    if command -v nixfmt >/dev/null; then find . -name '*.nix' -not -path './node_modules/*' -exec nixfmt {} +; fi

# build the daemon (npm) and, on a Nix machine, the package
build:
    npm run build
    if command -v nix >/dev/null; then nix build --impure .#voxnix; fi

# flake checks: evaluation (appliance, service assertions, container systems) and the NixOS VM test (needs KVM)
check:
    nix flake check --impure -L

# print the effective configuration (secrets masked) and every problem
config-check:
    npx tsx src/main.ts config check

# a fake NixOS host for trying the admin CLI by hand: eval "$(just fake-host)"
fake-host dir="/tmp/voxnix-fake-host":
    @node tests/fakes/make-fake-host.mjs {{dir}}

# the host must answer on SSH before anything is sent to it
[private]
reachable host:
    @ssh -o BatchMode=yes -o ConnectTimeout=5 {{host}} true 2>/dev/null \
      || { echo "{{host}} is not reachable over SSH as root with your key; check the address and ssh-agent" >&2; exit 1; }

# build the appliance here and switch the host to it (rollback: just rollback HOST)
deploy host: (reachable host)
    nixos-rebuild switch --flake .#appliance --target-host {{host}} --use-substitutes --impure

# switch the host back to its previous generation
rollback host: (reachable host)
    ssh {{host}} nixos-rebuild switch --rollback

# install the appliance on a new machine: WIPES ITS DISK (see nix/host/settings.nix)
provision host:
    @echo "This erases every disk disko manages on {{host}} (nix/host/settings.nix: disk)."
    @read -r -p "Type the host name to continue: " answer && [ "$answer" = "{{host}}" ] || { echo "not provisioned"; exit 1; }
    nixos-anywhere --flake .#appliance {{host}}

# edit (or create) an encrypted secret: just secrets-edit voxnix-bot-token
secrets-edit name:
    cd secrets && agenix -e {{name}}.age

# re-encrypt every secret for the recipients now in secrets/secrets.nix
secrets-rekey:
    cd secrets && agenix -r

# follow the daemon's log on the host
logs host: (reachable host)
    ssh -t {{host}} journalctl -u voxnix -f -o cat

ssh host:
    ssh {{host}}
