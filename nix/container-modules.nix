# The NixOS modules of a voxnix container with a given module set: container-base.nix and the
# library's module for each selected name. Pure Nix (no nixpkgs), so tests can hold it to the
# library without a nixpkgs tree; mk-container.nix evaluates it into a system.
#
# Every failure is a `voxnix:` message naming what is wrong, with the choices.
{
  modules,
  modulesDir ? ../modules,
}:
let
  library = import ./module-library.nix { inherit modulesDir; };
  known = builtins.attrNames library;
  fail = message: throw "voxnix: ${message}";
  unknown = builtins.filter (m: !(builtins.elem m known)) modules;
  names =
    if !(builtins.isList modules && builtins.all builtins.isString modules) then
      fail "modules must be a list of module names"
    else if unknown != [ ] then
      fail "unknown module \"${builtins.head unknown}\" (known: ${builtins.concatStringsSep ", " known})"
    else
      builtins.sort builtins.lessThan modules;
in
{
  inherit names;
  nixosModules = [ ./container-base.nix ] ++ map (m: library.${m}.module) names;
}
