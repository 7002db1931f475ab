{
  description = "The persistent /workspace (always included); login shells start there";

  module =
    { ... }:
    {
      # The bind mount itself is host-side (src/host/container-files.ts: --bind=…:/workspace).
      environment.loginShellInit = ''
        [ "$PWD" = "$HOME" ] && cd /workspace 2>/dev/null || true
      '';
    };
}
