# voxnix tasks. `just` lists them. Deploy and provision tasks arrive with the Nix side (nix/).

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

fmt:
    npm run format

build:
    npm run build

# print the effective configuration (secrets masked) and every problem
config-check:
    npx tsx src/main.ts config check

# a fake NixOS host for trying the admin CLI by hand: eval "$(just fake-host)"
fake-host dir="/tmp/voxnix-fake-host":
    @node tests/fakes/make-fake-host.mjs {{dir}}
