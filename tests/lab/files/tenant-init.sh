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
#
# Masked: Debian's first-boot upkeep (the root is fresh at every start, so every boot is a first
# one), login prompts, and the generators of what no tenant has. The host side, which the lab
# tests, looks at none of them, and they cost a third of a start's CPU time (measured: 1.7 s of
# CPU a start with them, 1.1 s without).
mkdir -p /etc/systemd/system /etc/systemd/system-generators
for generator in debug getty gpt-auto hibernate-resume import rc-local run ssh system-update sysv tpm2; do
  ln -sf /dev/null "/etc/systemd/system-generators/systemd-$generator-generator"
done
for unit in ldconfig.service systemd-journal-catalog-update.service systemd-update-done.service \
  console-getty.service systemd-user-sessions.service systemd-remount-fs.service \
  systemd-tmpfiles-setup-dev-early.service; do
  ln -sf /dev/null "/etc/systemd/system/$unit"
done
exec /usr/lib/systemd/systemd systemd.firstboot=off
