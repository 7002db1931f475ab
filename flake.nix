{
  description = "voxnix: a private dev-container host for NixOS, run from Telegram";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";
    disko = {
      url = "github:nix-community/disko";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    agenix = {
      url = "github:ryantm/agenix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      disko,
      agenix,
    }:
    let
      system = "x86_64-linux";
      pkgs = import nixpkgs {
        inherit system;
        overlays = [ self.overlays.default ];
      };
      # The lockfile names no registry (nothing may commit one); the builder does, through
      # NPM_CONFIG_REGISTRY and --impure. `just build` and `just deploy` pass both.
      npmRegistry =
        let
          fromEnv = builtins.getEnv "NPM_CONFIG_REGISTRY";
        in
        if fromEnv != "" then
          fromEnv
        else
          throw "voxnix: set NPM_CONFIG_REGISTRY to your npm registry's URL and build with --impure (docs/operations.md, Building)";
      moduleIndex = import ./nix/module-index.nix { };
    in
    {
      overlays.default = final: _prev: {
        voxnix = final.callPackage ./nix/package.nix { inherit npmRegistry; };
      };

      packages.${system} = {
        voxnix = pkgs.voxnix;
        default = pkgs.voxnix;
      };

      nixosModules = {
        # No overlay: a module that sets nixpkgs.overlays cannot be used where pkgs is given
        # (runNixOSTest nodes, a host with nixpkgs.pkgs set). The package is a default instead.
        voxnix =
          { lib, pkgs, ... }:
          {
            imports = [ ./nix/module.nix ];
            services.voxnix.package = lib.mkDefault (pkgs.callPackage ./nix/package.nix { inherit npmRegistry; });
          };
        default = self.nixosModules.voxnix;
      };

      nixosConfigurations.appliance = nixpkgs.lib.nixosSystem {
        inherit system;
        modules = [
          disko.nixosModules.disko
          agenix.nixosModules.default
          self.nixosModules.voxnix
          ./nix/host
        ];
      };

      lib = {
        # A voxnix container's system (its NixOS toplevel) for a module set, exactly as the
        # daemon builds it: mkContainer { modules = [ "git" "workspace" ]; nixpkgs = …; }
        mkContainer = import ./nix/mk-container.nix;
        # { <name> = "one-line description"; … }
        modules = moduleIndex;
      };

      checks.${system} = import ./nix/checks { inherit pkgs self; };

      devShells.${system}.default = pkgs.mkShell {
        packages = [
          pkgs.nodejs_22
          pkgs.just
          pkgs.nixfmt-rfc-style
          pkgs.nixos-anywhere
          agenix.packages.${system}.default
        ];
      };

      formatter.${system} = pkgs.nixfmt-rfc-style;
    };
}
