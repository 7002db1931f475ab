{
  description = "The fish shell as root's login shell";

  module =
    { pkgs, ... }:
    {
      programs.fish.enable = true;
      users.users.root.shell = pkgs.fish;
    };
}
