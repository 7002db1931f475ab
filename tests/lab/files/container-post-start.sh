#!/bin/bash
# postStartScript of nixpkgs 24.11 nixos-containers.nix for the template (its ipcall with the
# attribute null: the conf's variables), as NixOS renders a unit's postStart: bash with `set -e`.
set -e
if [ -n "$HOST_ADDRESS" ]  || [ -n "$LOCAL_ADDRESS" ] ||
   [ -n "$HOST_ADDRESS6" ] || [ -n "$LOCAL_ADDRESS6" ]; then
  if [ -z "$HOST_BRIDGE" ]; then
    ifaceHost=ve-$INSTANCE
    ip link set dev "$ifaceHost" up

    if [ -n "$HOST_ADDRESS" ]; then
      ip addr add "$HOST_ADDRESS" dev "$ifaceHost"
    fi
    if [ -n "$HOST_ADDRESS6" ]; then
      ip -6 addr add "$HOST_ADDRESS6" dev "$ifaceHost"
    fi
    if [ -n "$LOCAL_ADDRESS" ]; then
      ip route add "$LOCAL_ADDRESS" dev "$ifaceHost"
    fi
    if [ -n "$LOCAL_ADDRESS6" ]; then
      ip -6 route add "$LOCAL_ADDRESS6" dev "$ifaceHost"
    fi
  fi
fi
