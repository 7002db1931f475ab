import type { Command } from "commander";
import { formatTable, isoDate } from "./output.js";
import { processIo, withWorkloads, type Io } from "./verb-runtime.js";

/** `voxnix secrets`: every user's secrets, by name, kind and use; never a value. */
export function registerSecretCommands(program: Command, io: Io = processIo): void {
  program
    .command("secrets")
    .description("every user's secrets for the egress proxy: names, kinds, uses (never values)")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const all = w.secrets.list(actor, { all: true });
        if (opts.json) return io.out(JSON.stringify(all, null, 2));
        if (all.length === 0) return io.out("no secrets");
        io.out(
          formatTable(
            all.flatMap((s) =>
              (s.uses.length > 0 ? s.uses : [undefined]).map((u) => ({
                owner: s.ownerId,
                name: s.name,
                kind: s.kind,
                host: s.host,
                container: u?.container,
                requests: u?.requests,
                "last use": u?.lastUsedAtMs === undefined ? undefined : isoDate(u.lastUsedAtMs),
              })),
            ),
            ["owner", "name", "kind", "host", "container", "requests", "last use"],
          ),
        );
      }),
    );
}
