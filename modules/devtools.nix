{
  description = "Tools coding agents need: node, python, gh, ripgrep, fd, jq, tmux, curl";

  module =
    { pkgs, ... }:
    {
      environment.systemPackages = with pkgs; [
        nodejs
        python3
        gh
        ripgrep
        fd
        jq
        tmux
        curl
        gnumake
      ];
    };
}
