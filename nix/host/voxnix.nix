# The voxnix service on the appliance, with secrets from agenix (paths only: never the values).
{ config, ... }:
let
  settings = import ./settings.nix;
in
{
  services.voxnix = {
    enable = true;
    inherit (settings) admins users;
    botTokenFile = config.age.secrets.voxnix-bot-token.path;
    llmApiKeyFile = config.age.secrets.voxnix-llm-api-key.path;
    tailscaleAuthKeyFile = config.age.secrets.voxnix-tailscale-auth-key.path;
    storage = {
      backend = "zfs";
      pool = "tank";
    };
  };
}
