# The flake's checks, one scenario per file.
{ pkgs, self }:
{
  container-system = import ./container-system.nix { inherit pkgs; };
  vm = import ./vm.nix { inherit pkgs self; };
}
