import type { Command } from "commander";
import { bytes, formatTable, isoDate } from "./output.js";
import { confirmedAtTerminal, processIo, withWorkloads, type Io } from "./verb-runtime.js";

/** `voxnix snapshots ls|take|rm`, `rollback` and `fork`: the bot's snapshot commands (ZFS only). */
export function registerSnapshotCommands(program: Command, io: Io = processIo): void {
  const json = (value: unknown) => io.out(JSON.stringify(value, null, 2));
  const snapshots = program
    .command("snapshots")
    .description("snapshots of a container's workspace (ZFS storage)");

  snapshots
    .command("ls <name>")
    .description("a container's snapshots, oldest first, with the space each holds on its own")
    .option("--json", "machine-readable output")
    .action((name: string, opts: { json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const all = await w.snapshots(actor, { name });
        if (opts.json) return json(all);
        if (all.length === 0) return io.out(`${name} has no snapshots`);
        io.out(
          formatTable(
            all.map((s) => ({
              snapshot: s.name,
              taken: isoDate(s.createdAt.getTime()),
              own: bytes(s.usedBytes),
              clones: s.clones || undefined,
            })),
            ["snapshot", "taken", "own", "clones"],
          ),
        );
      }),
    );

  snapshots
    .command("take <name> [snapshot]")
    .description("snapshot the workspace as it is now (named for the time unless given)")
    .action((name: string, snapshot: string | undefined) =>
      withWorkloads(io, async (w, actor) => {
        const taken = await w.snapshot(actor, { name, ...(snapshot ? { snapshot } : {}) });
        io.out(`${name}: snapshot ${taken.name} taken`);
      }),
    );

  snapshots
    .command("rm <name> <snapshot>")
    .description("delete a snapshot, freeing what only it holds")
    .action((name: string, snapshot: string) =>
      withWorkloads(io, async (w, actor) => {
        await w.deleteSnapshot(actor, { name, snapshot });
        io.out(`${name}: snapshot ${snapshot} deleted`);
      }),
    );

  program
    .command("fork <source> <name> [snapshot]")
    .description(
      "a new container with SOURCE's modules, limits and workspace (a ZFS clone of SNAPSHOT, or of one taken now)",
    )
    .option("--json", "machine-readable output")
    .action(
      (source: string, name: string, snapshot: string | undefined, opts: { json?: boolean }) =>
        withWorkloads(io, async (w, actor) => {
          const result = await w.fork(
            actor,
            { source, name, ...(snapshot ? { snapshot } : {}) },
            { onProgress: (step) => io.err(`… ${step}`) },
          );
          if (opts.json) return json(result);
          io.out(`${result.name} forked from ${source} and ${result.state}`);
        }),
    );

  program
    .command("rollback <name> <snapshot>")
    .description(
      "bring a workspace back to a snapshot; what is there now goes to trash, with a snapshot of it",
    )
    .option("--yes", "do not ask (required when not on a terminal)")
    .option("--json", "machine-readable output")
    .action((name: string, snapshot: string, opts: { yes?: boolean; json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const request = await w.requestRollback(actor, { name, snapshot });
        const later = request.later.length
          ? ` (with later snapshots ${request.later.join(", ")})`
          : "";
        const go = await confirmedAtTerminal(
          io,
          w,
          actor,
          { id: request.id, yes: opts.yes },
          {
            verb: "rollback",
            question: `Roll ${name} back to ${snapshot}? What is there now${later} goes to trash for ${request.keptDays} days.`,
            name,
            declined: `${name} not rolled back`,
          },
        );
        if (!go) return;
        const result = await w.confirmRollback(actor, request.id);
        if (opts.json) return json(result);
        io.out(
          `${name} rolled back to ${snapshot} and ${result.state}; what was there is in trash as ${result.trashId} for ${result.keptDays} days`,
        );
      }),
    );
}
