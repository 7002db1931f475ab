# mkContainer evaluated on a spec as the daemon writes it: the check fails if evaluation throws.
# (The full matrix of specs runs in `npm test`, tests/nix/, with the real evaluator.)
{ pkgs }:
let
  fragment = import ../mkContainer.nix {
    spec = builtins.fromJSON (builtins.readFile ../../tests/nix/fixtures/dev.json);
  };
  data = fragment // {
    containers = builtins.mapAttrs (_: c: removeAttrs c [ "config" ]) fragment.containers;
  };
in
pkgs.writeText "voxnix-mk-container.json" (builtins.toJSON data)
