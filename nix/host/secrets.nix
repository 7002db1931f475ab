# agenix secrets, decrypted at boot to /run/agenix/<name> (root, 0400) with the host's SSH key.
# Recipients are in secrets/secrets.nix; secrets/README.md has the first-boot flow.
#
# A secret is declared only once its .age file exists: `just provision` runs before any can
# (they are encrypted to the new host's key), and a flake sees only files git tracks. Until then
# voxnix does not start (its credential is missing), which is the documented first boot.
{ lib, ... }:
let
  names = [
    "voxnix-bot-token"
    "voxnix-llm-api-key"
    "voxnix-tailscale-auth-key"
    # Seals what people store with /secret add (the egress proxy's secrets): openssl rand -hex 32.
    "voxnix-secrets-key"
    # The host's own Tailscale identity (tailnet-admin.nix), not the containers'.
    "voxnix-host-tailscale-auth-key"
  ];
  fileOf = name: ../../secrets + "/${name}.age";
in
{
  age.secrets = lib.genAttrs (builtins.filter (name: builtins.pathExists (fileOf name)) names) (
    name: { file = fileOf name; }
  );
}
