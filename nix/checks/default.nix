# The flake's checks, one scenario per file.
{ pkgs, self }:
{
  mk-container = import ./mk-container.nix { inherit pkgs; };
  vm = import ./vm.nix { inherit pkgs self; };
}
