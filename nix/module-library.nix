# The container module library: every modules/<name>.nix, loaded as
#
#   { <name> = { description = "one line"; module = <NixOS module>; }; … }
#
# Pure Nix (no nixpkgs), so tests can hold the daemon's reading of names and descriptions
# (src/host/module-library.ts) to this one, and the flake can export the list.
{
  modulesDir ? ../modules,
}:
let
  entries = builtins.readDir modulesDir;
  isModuleFile = file: entries.${file} == "regular" && builtins.match "[a-z][a-z0-9-]*\\.nix" file != null;
  files = builtins.filter isModuleFile (builtins.attrNames entries);
  nameOf = file: builtins.substring 0 (builtins.stringLength file - 4) file;
  load =
    file:
    let
      loaded = import (modulesDir + "/${file}");
    in
    if builtins.isAttrs loaded && loaded ? description && loaded ? module then
      loaded
    else
      throw "voxnix: module file ${file} must be { description = \"…\"; module = <NixOS module>; }";
in
builtins.listToAttrs (
  map (file: {
    name = nameOf file;
    value = load file;
  }) files
)
