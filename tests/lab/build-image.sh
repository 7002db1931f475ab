#!/usr/bin/env bash
# Builds the lab's image (docs/operations.md, "The lab"): a Debian trixie userland with systemd
# 257, systemd-nspawn, machined and the host tools voxnix calls, which the tests in tests/lab
# boot as a privileged systemd-nspawn container. Cached in .lab/image-KEY, KEY being this
# file's hash: everything the image is made of is in this file. Everything per-lab (its init,
# the container@ template, the tenants' stand-in system) is written by
# tests/support/lab.ts into each lab's own overlay at boot, so changing those needs no rebuild.
#
# Usage: bash tests/lab/build-image.sh   (as root, with debootstrap and network to Debian's
# archive; prints the image's path). Exits 0 without building where it cannot, saying why:
# the lab's tests then skip with that reason.
set -euo pipefail
cd "$(dirname "$0")/../.."

key=$(sha256sum tests/lab/build-image.sh | cut -c1-16)
image=".lab/image-$key"
if [ -e "$image/.complete" ]; then
  echo "$image"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "build-image.sh: the lab's image needs root; not built" >&2
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  echo "build-image.sh: the lab's image needs debootstrap; not built" >&2
  exit 0
fi

# Images of other keys are stale: this file changed since they were built.
mkdir -p .lab
find .lab -mindepth 1 -maxdepth 1 -name 'image-*' ! -name "image-$key" -exec rm -rf {} +

partial="$image.partial"
rm -rf "$partial"
started=$SECONDS
# systemd, systemd-container: PID 1, nspawn, machined, machinectl (257 in trixie). dbus: machined
# and systemd-run --machine talk over it. nftables, iproute2, iputils-ping, python3-minimal: the
# tenant firewall and its probes (tests/support/packets.py). busybox-static: the shell the
# tenants' stand-in system starts from (tests/support/lab.ts).
# From the Debian archive apt already uses here (its deb822 sources, else sources.list; the
# security archive has no trixie of its own); debootstrap's default where apt names none.
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
  grep -v -- -security | head -n 1 || true)
if [ -z "$mirror" ] && [ -e /etc/apt/sources.list ]; then
  mirror=$(sed -n 's/\[[^]]*\]//; s/^deb[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list |
    grep -v -- -security | head -n 1 || true)
fi
debootstrap --variant=minbase \
  --include=systemd,systemd-container,dbus,nftables,iproute2,iputils-ping,busybox-static,python3-minimal \
  trixie "$partial" ${mirror:+"$mirror"} >"$partial.log" 2>&1 || {
  tail -20 "$partial.log" >&2
  exit 1
}
# Nothing on a console, no timers of a real machine's upkeep.
for unit in getty@tty1.service console-getty.service apt-daily.timer apt-daily-upgrade.timer \
  dpkg-db-backup.timer fstrim.timer e2scrub_all.timer systemd-pstore.service; do
  ln -sf /dev/null "$partial/etc/systemd/system/$unit"
done
echo lab >"$partial/etc/hostname"
# Every boot of a lab is the same machine (its journal's boots), as a real host's are.
tr -d - </proc/sys/kernel/random/uuid >"$partial/etc/machine-id"
mkdir -p "$partial/var/log/journal"
rm -rf "$partial"/var/lib/apt/lists/* "$partial"/var/cache/apt/*.bin "$partial"/var/cache/apt/archives/*.deb
rm -f "$partial.log"
touch "$partial/.complete"
mv "$partial" "$image"
echo "build-image.sh: built $image in $((SECONDS - started)) s" >&2
echo "$image"
