import type { Command } from "commander";
import { cpuText, type ChangeResult } from "../workloads/index.js";
import { commaList, limitsInput, withLimitOptions } from "./arguments.js";
import { bytes } from "./output.js";
import { processIo, UsageError, withWorkloads, type Io } from "./verb-runtime.js";

const HOW: Record<ChangeResult["applied"], string> = {
  unchanged: "nothing to change",
  switched: "active now, without a restart",
  "next-start": "from its next start",
};

/** `voxnix set NAME`: modules and limits changed in place, the workspace kept (the bot's /modules, /limits). */
export function registerChangeCommand(program: Command, io: Io = processIo): void {
  withLimitOptions(program.command("set <name>"))
    .description("change a container's modules or limits in place; its workspace stays")
    .option("--add <list>", "modules to add, comma-separated", commaList)
    .option("--remove <list>", "modules to remove, comma-separated", commaList)
    .option("--json", "machine-readable output")
    .action(
      (
        name: string,
        opts: { add?: string[]; remove?: string[]; cpu?: number; memory?: number; json?: boolean },
      ) =>
        withWorkloads(io, async (w, actor) => {
          if (!opts.add && !opts.remove && opts.cpu === undefined && opts.memory === undefined)
            throw new UsageError("set needs --add, --remove, --cpu or --memory");
          const result = await w.change(
            actor,
            {
              name,
              ...(opts.add ? { add: opts.add } : {}),
              ...(opts.remove ? { remove: opts.remove } : {}),
              ...limitsInput(opts),
            },
            { onProgress: (step) => io.err(`… ${step}`) },
          );
          if (opts.json) return io.out(JSON.stringify(result, null, 2));
          io.out(
            `${name}: ${result.modules.join(", ")}; ${cpuText(result.limits.cpus)}, ${bytes(result.limits.memoryBytes)} (${HOW[result.applied]}); ${result.state}`,
          );
        }),
    );
}
