# A voxnix container, for extra-container. The daemon hands extra-container one line:
#
#   import <voxnix>/nix/mkContainer.nix { spec = builtins.fromJSON (builtins.readFile <state>/specs/<name>.json); }
#
# and gets a host-module fragment { containers.<name> = …; systemd.services."container@<name>" = …; }.
# The spec arrives as JSON, never as generated Nix source; container-plan.nix validates it.
#
# What varies the container's system closure: only the module set. Name, owner, workspace path
# and key path live in host-side settings (bind mounts, the host unit, the machine name), and
# limits apply to the host unit, so a second container with the same modules builds nothing.
{
  spec,
  modulesDir ? ../modules,
}:
let
  library = import ./module-library.nix { inherit modulesDir; };
  plan = import ./container-plan.nix { inherit spec library; };
in
{
  containers.${plan.name} = plan.container // {
    config = {
      imports = [ ./container-base.nix ] ++ map (m: library.${m}.module) plan.modules;
    };
  };

  systemd.services."container@${plan.name}".serviceConfig = plan.unitLimits;
}
