# The voxnix daemon, built from package-lock.json.
#
# The lockfile deliberately records no download URLs (no registry host is ever committed), so
# whoever builds names the npm registry: `npmRegistry`, which flake.nix takes from
# NPM_CONFIG_REGISTRY (build with --impure; docs/operations.md, "Building"). Each tarball URL is
# then derived with npm's own layout, and the lockfile's integrity hashes pin the contents.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs_22,
  python3,
  writeText,
  npmRegistry,
}:
let
  registry = lib.removeSuffix "/" npmRegistry;
  packageJson = lib.importJSON ../package.json;
  lock = lib.importJSON ../package-lock.json;

  # "node_modules/a/node_modules/@s/b" → "@s/b"; an alias keeps its real name in `name`.
  nameAt = path: pkg: pkg.name or (lib.last (lib.splitString "node_modules/" path));
  tarballUrl =
    path: pkg:
    let
      name = nameAt path pkg;
      base = lib.last (lib.splitString "/" name);
    in
    "${registry}/${name}/-/${base}-${pkg.version}.tgz";

  lockWithUrls = lock // {
    packages = lib.mapAttrs (
      path: pkg:
      if path == "" || pkg ? resolved || (pkg.link or false) then pkg else pkg // { resolved = tarballUrl path pkg; }
    ) lock.packages;
  };

  # The runtime needs the Nix side too: mk-container.nix and the module library.
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../package.json
      ../package-lock.json
      ../tsconfig.json
      ../build.mjs
      ../src
      ../nix
      ../modules
    ];
  };
  moduleIndex = writeText "voxnix-module-index.json" (
    builtins.toJSON (import ./module-index.nix { modulesDir = ../modules; })
  );
in
buildNpmPackage {
  pname = packageJson.name;
  inherit (packageJson) version;
  inherit src;
  nodejs = nodejs_22;

  npmDeps = importNpmLock {
    package = packageJson;
    packageLock = lockWithUrls;
  };
  npmConfigHook = importNpmLock.npmConfigHook;

  # better-sqlite3 compiles its native addon with node-gyp.
  nativeBuildInputs = [ python3 ];

  # The module list the daemon serves, evaluated by Nix here rather than read from the files.
  # `npm run build` compiled voxnix-spawn (src/host/spawn-helper.c) with stdenv's cc; without
  # it the daemon would fork its heap for every host command, so its absence fails the build.
  postInstall = ''
    cp ${moduleIndex} $out/lib/node_modules/${packageJson.name}/module-index.json
    test -x $out/lib/node_modules/${packageJson.name}/dist/voxnix-spawn
  '';

  meta = {
    description = packageJson.description;
    license = lib.licenses.mit;
    mainProgram = "voxnix";
    platforms = lib.platforms.linux;
  };
}
