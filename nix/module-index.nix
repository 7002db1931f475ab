# The module library as the daemon lists it: { <name> = "one-line description"; … }. The package
# writes it to module-index.json at build time (nix/package.nix), so the daemon on the appliance
# reads exactly what Nix evaluates; the flake exports it as lib.modules.
{
  modulesDir ? ../modules,
}:
builtins.mapAttrs (_: module: module.description) (import ./module-library.nix { inherit modulesDir; })
