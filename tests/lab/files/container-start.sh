#!/bin/bash
# startScript of nixpkgs 24.11 nixos-containers.nix for the template (dummyConfig: no
# extraVeths, not ephemeral, no extra capabilities, no tmpfs), as NixOS renders a unit's script:
# bash with `set -e`. Differences: the i686 check is left out (no system file in the stand-in),
# systemd-nspawn is the lab's own (/usr/bin), the container's init is the stand-in below, and
# an empty /usr is made first (below).
set -e
# Declare root explicitly to avoid shellcheck warnings, it comes from the env
declare root

# Not the template's: NixOS's systemd-nspawn skips its "doesn't look like it has an OS tree
# (/usr/ directory is missing)" check for a command (nixpkgs' systemd patch
# 0003-Fix-NixOS-containers.patch); the lab's Debian one refuses an empty root without it.
mkdir -p "$root/usr"
mkdir -p "$root/etc" "$root/var/lib"
chmod 0755 "$root/etc" "$root/var/lib"
mkdir -p "$root/var/lib/private" "$root/root" /run/nixos-containers
chmod 0700 "$root/var/lib/private" "$root/root" /run/nixos-containers
if ! [ -e "$root/etc/os-release" ]; then
  touch "$root/etc/os-release"
fi

if ! [ -e "$root/etc/machine-id" ]; then
  touch "$root/etc/machine-id"
fi

mkdir -p \
  "/nix/var/nix/profiles/per-container/$INSTANCE" \
  "/nix/var/nix/gcroots/per-container/$INSTANCE"
chmod 0755 \
  "/nix/var/nix/profiles/per-container/$INSTANCE" \
  "/nix/var/nix/gcroots/per-container/$INSTANCE"

cp --remove-destination /etc/resolv.conf "$root/etc/resolv.conf"

declare -a extraFlags

if [ "$PRIVATE_NETWORK" = 1 ]; then
  extraFlags+=("--private-network")
fi

if [ -n "$HOST_ADDRESS" ]  || [ -n "$LOCAL_ADDRESS" ] ||
   [ -n "$HOST_ADDRESS6" ] || [ -n "$LOCAL_ADDRESS6" ]; then
  extraFlags+=("--network-veth")
fi

if [ -n "$HOST_PORT" ]; then
  OIFS=$IFS
  IFS=","
  for i in $HOST_PORT
  do
      extraFlags+=("--port=$i")
  done
  IFS=$OIFS
fi

if [ -n "$HOST_BRIDGE" ]; then
  extraFlags+=("--network-bridge=$HOST_BRIDGE")
fi

for iface in $INTERFACES; do
  extraFlags+=("--network-interface=$iface")
done

for iface in $MACVLANS; do
  extraFlags+=("--network-macvlan=$iface")
done

export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1

# shellcheck disable=SC2086
exec systemd-nspawn \
  --keep-unit \
  -M "$INSTANCE" -D "$root" "${extraFlags[@]}" \
  $EXTRA_NSPAWN_FLAGS \
  --notify-ready=yes \
  --kill-signal=SIGRTMIN+3 \
  --bind-ro=/nix/store \
  --bind-ro=/nix/var/nix/db \
  --bind-ro=/nix/var/nix/daemon-socket \
  --bind="/nix/var/nix/profiles/per-container/$INSTANCE:/nix/var/nix/profiles" \
  --bind="/nix/var/nix/gcroots/per-container/$INSTANCE:/nix/var/nix/gcroots" \
  --link-journal=try-guest \
  --setenv PRIVATE_NETWORK="$PRIVATE_NETWORK" \
  --setenv HOST_BRIDGE="$HOST_BRIDGE" \
  --setenv HOST_ADDRESS="$HOST_ADDRESS" \
  --setenv LOCAL_ADDRESS="$LOCAL_ADDRESS" \
  --setenv HOST_ADDRESS6="$HOST_ADDRESS6" \
  --setenv LOCAL_ADDRESS6="$LOCAL_ADDRESS6" \
  --setenv HOST_PORT="$HOST_PORT" \
  --setenv PATH="$PATH" \
  /nix/store/00000000000000000000000000lab-container/init "${SYSTEM_PATH:-/nix/var/nix/profiles/system}/init"
