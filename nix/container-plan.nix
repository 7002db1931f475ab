# Validates a container spec (as the daemon writes it: src/workloads/spec.ts) and computes
# everything about the container that is plain data. mkContainer.nix adds the NixOS modules.
#
# Every failure is a `voxnix:` message naming the spec and the field, with the choices.
{
  spec,
  library,
}:
let
  fail = message: throw "voxnix: ${message}";
  join = sep: list: builtins.concatStringsSep sep list;
  known = builtins.attrNames library;

  name =
    if !(spec ? name) then
      fail "spec has no \"name\""
    else if !(builtins.isString spec.name) then
      fail "\"name\" must be a string"
    else if builtins.match "[a-z0-9]([a-z0-9-]{0,9}[a-z0-9])?" spec.name == null then
      fail "bad container name \"${spec.name}\" (1 to 11 of a-z, 0-9 and -, not starting or ending with -)"
    else
      spec.name;
  where = "in spec \"${name}\"";

  # The value at `path`, or a failure naming the missing field.
  field =
    path:
    let
      go =
        value: rest:
        if rest == [ ] then
          value
        else if builtins.isAttrs value && value ? ${builtins.head rest} then
          go value.${builtins.head rest} (builtins.tail rest)
        else
          fail "missing field \"${join "." path}\" ${where}";
    in
    go spec path;

  check =
    path: ok: expected:
    let
      value = field path;
    in
    if ok value then value else fail "field \"${join "." path}\" ${where} must be ${expected}";

  isPositive = v: (builtins.isInt v || builtins.isFloat v) && v > 0;
  isPositiveInt = v: builtins.isInt v && v > 0;
  isAbsolute = v: builtins.isString v && builtins.substring 0 1 v == "/";

  version = check [ "version" ] (v: v == 1) "1 (this mkContainer reads spec version 1)";
  owner = check [ "owner" ] isPositiveInt "a positive user id";
  modules =
    let
      listed = check [ "modules" ] (v: builtins.isList v && builtins.all builtins.isString v) "a list of module names";
      unknown = builtins.filter (m: !(builtins.elem m known)) listed;
    in
    if unknown != [ ] then
      fail "unknown module \"${builtins.head unknown}\" ${where} (known: ${join ", " known})"
    else
      builtins.sort builtins.lessThan listed;
  cpus = check [ "limits" "cpus" ] isPositive "a positive number";
  memoryBytes = check [ "limits" "memoryBytes" ] isPositiveInt "a positive whole number of bytes";
  tasksMax = check [ "limits" "tasksMax" ] isPositiveInt "a positive whole number";
  workspace = check [ "workspace" "hostPath" ] isAbsolute "an absolute path";
  tailscale = check [ "tailscale" ] (
    v: v == null || (builtins.isAttrs v && v ? authKeyFile && isAbsolute v.authKeyFile)
  ) "null or { authKeyFile = <absolute path>; }";
  wantsTailscale = builtins.elem "tailscale" modules;

  # Where the enrolment service (modules/tailscale.nix) reads the key, inside the container.
  keyInside = "/run/voxnix/tailscale-auth-key";
in
assert version == 1;
assert owner > 0;
if wantsTailscale && tailscale == null then
  fail "module \"tailscale\" ${where} needs \"tailscale.authKeyFile\""
else if !wantsTailscale && tailscale != null then
  fail "\"tailscale.authKeyFile\" ${where} is set but the tailscale module is not selected"
else
  {
    inherit name modules;

    # containers.<name>: host-side settings only. Nothing here enters the container's system
    # closure, so containers with the same modules share one closure (mkContainer.nix).
    container = {
      autoStart = true;
      privateNetwork = true;
      hostBridge = "br-vox";
      bindMounts =
        {
          "/workspace" = {
            hostPath = workspace;
            isReadOnly = false;
          };
        }
        // (
          if wantsTailscale then
            {
              # A root-only file, read-only inside: never the store, never the environment.
              ${keyInside} = {
                hostPath = tailscale.authKeyFile;
                isReadOnly = true;
              };
              "/dev/net/tun" = {
                hostPath = "/dev/net/tun";
                isReadOnly = false;
              };
            }
          else
            { }
        );
      allowedDevices =
        if wantsTailscale then
          [
            {
              node = "/dev/net/tun";
              modifier = "rwm";
            }
          ]
        else
          [ ];
    };

    # Applied to the host's container@<name>.service.
    unitLimits = {
      CPUQuota = "${toString (builtins.floor (cpus * 100 + 0.5))}%";
      MemoryMax = toString memoryBytes;
      TasksMax = tasksMax;
    };
  }
