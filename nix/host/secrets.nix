# agenix secrets, decrypted at boot to /run/agenix/<name> (root, 0400) with the host's SSH key.
# Recipients are in secrets/secrets.nix; secrets/README.md has the first-boot flow.
{
  age.secrets = {
    voxnix-bot-token.file = ../../secrets/voxnix-bot-token.age;
    voxnix-llm-api-key.file = ../../secrets/voxnix-llm-api-key.age;
    voxnix-tailscale-auth-key.file = ../../secrets/voxnix-tailscale-auth-key.age;
  };
}
