# The tenant's stand-in system's init (SYSTEM_PATH/init), sourced by the container's init as a
# NixOS stage-2 script is. It boots systemd as a NixOS container does, from the lab's own /usr
# (read-only, bound into the store by the lab's init) instead of a NixOS toplevel: the host side
# is what the lab tests. The container's root is the template's fresh directory, so the merged
# /usr's links are made first.
mkdir -p /usr /tmp /var
mount --bind /nix/store/00000000000000000000000000lab-usr /usr
for link in bin sbin lib lib64; do
  [ -e "/$link" ] || ln -s "usr/$link" "/$link"
done
# What the lab masks in itself, masked here too (MASKED in tests/support/lab.ts says what and
# why), from the list beside this init: sourced, it still has the container init's $1, its path.
while read -r path; do
  mkdir -p "/etc/systemd/${path%/*}"
  ln -sf /dev/null "/etc/systemd/$path"
done <"${1%/*}/masked"
exec /usr/lib/systemd/systemd systemd.firstboot=off
