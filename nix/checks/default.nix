# The flake's checks, one scenario per file.
{ pkgs, self }:
{
  evaluation = import ./evaluation.nix { inherit pkgs self; };
  vm = import ./vm.nix { inherit pkgs self; };
}
