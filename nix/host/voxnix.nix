# The voxnix service on the appliance, with secrets from agenix (paths only: never the values).
{ config, lib, ... }:
let
  settings = import ./settings.nix;
  secrets = config.age.secrets;
  # Where agenix puts a secret; an optional one that is not there yet is simply not configured.
  secretPath = name: (secrets.${name} or { path = "/run/agenix/${name}"; }).path;
  optionalSecret = name: if secrets ? ${name} then secrets.${name}.path else null;
in
{
  services.voxnix = {
    enable = true;
    # Required (the LLM key for the default OpenRouter): before these exist, the unit fails on
    # the missing credential, which is the documented first boot.
    botTokenFile = secretPath "voxnix-bot-token";
    llmApiKeyFile = secretPath "voxnix-llm-api-key";
    tailscaleAuthKeyFile = optionalSecret "voxnix-tailscale-auth-key";
    # With it, /secret and the egress proxy (network.nix opens its port to containers).
    secretsKeyFile = optionalSecret "voxnix-secrets-key";
    settings = {
      VOXNIX_ADMINS = settings.admins;
      VOXNIX_USERS = settings.users;
      VOXNIX_STORAGE = "zfs";
      ZFS_POOL = "tank";
      VOXNIX_CONTAINER_NETWORK = settings.containerNetwork;
    };
  };
}
