# agenix recipients: who can decrypt each secret. Replace the placeholders with real public keys:
#   admin: your own age or SSH public key (to edit secrets: `just secrets-edit NAME`)
#   appliance: the host's /etc/ssh/ssh_host_ed25519_key.pub (after first boot; see README.md)
let
  admin = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderReplaceWithYourOwnKeyxxxxxxxxxx admin@laptop";
  appliance = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderReplaceWithTheHostKeyxxxxxxxxxxx root@voxnix";
  everyone = [
    admin
    appliance
  ];
in
{
  "voxnix-bot-token.age".publicKeys = everyone;
  "voxnix-llm-api-key.age".publicKeys = everyone;
  "voxnix-tailscale-auth-key.age".publicKeys = everyone;
  # The key that seals people's secrets for the egress proxy (openssl rand -hex 32).
  "voxnix-secrets-key.age".publicKeys = everyone;
  # The host's own tailnet identity (nix/host/tailnet-admin.nix).
  "voxnix-host-tailscale-auth-key.age".publicKeys = everyone;
}
