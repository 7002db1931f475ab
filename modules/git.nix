{
  description = "Git with sensible defaults (main branch, rebase on pull)";

  module =
    { pkgs, ... }:
    {
      programs.git = {
        enable = true;
        config = {
          init.defaultBranch = "main";
          pull.rebase = true;
        };
      };
    };
}
