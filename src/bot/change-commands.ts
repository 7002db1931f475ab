import { Composer } from "grammy";
import { formatSize } from "../size.js";
import { cpuText, isChangeable, type ChangeInput, type ChangeResult } from "../workloads/index.js";
import { offerContainers } from "./actions.js";
import { commandArgs } from "./command-args.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { bold, code, lines, rich } from "./format.js";
import { moduleKeyboard } from "./keyboards.js";
import { say } from "./reply.js";
import { replySoonOrLater } from "./reply-soon-or-later.js";

const HOW: Record<ChangeResult["applied"], string> = {
  unchanged: "Nothing to change",
  switched: "Active now, without a restart",
  "next-start": "It takes effect when it next starts",
};

/** What a finished change says. */
export const changeLine = (result: ChangeResult) =>
  lines(
    rich(
      "🔧 ",
      bold(result.name),
      `: ${result.modules.join(", ")}; ${cpuText(result.limits.cpus)}, ${formatSize(result.limits.memoryBytes)}.`,
    ),
    `${HOW[result.applied]}; it is ${result.state}.`,
  );

/** Runs a change behind "Changing NAME…" (a build can take minutes); refusals answer at once. */
export function startChange(ctx: BotContext, deps: BotDeps, input: ChangeInput) {
  return replySoonOrLater(ctx, deps, rich("Changing ", bold(input.name), "…"), async () =>
    changeLine(await deps.workloads.change(ctx.actor, input)),
  );
}

/** /modules NAME: its modules as toggles, and a button that changes it to the choice. */
export async function offerModuleChange(ctx: BotContext, deps: BotDeps, name: string) {
  const { modules } = await deps.workloads.info(ctx.actor, { name });
  const available = deps.workloads
    .modules()
    .map((m) => m.name)
    .filter(isChangeable);
  return say(
    ctx,
    lines(
      rich("Modules of ", bold(name), ": toggle, then change it (its workspace stays)."),
      ...(modules.includes("tailscale")
        ? [rich("Tailscale stays: it is chosen when a container is created.")]
        : []),
    ),
    moduleKeyboard(
      "change",
      name,
      available,
      modules.filter((m) => available.includes(m)),
    ),
  );
}

/**
 * /modules NAME [+fish -git …] and /limits NAME [CPUS] [MEMORY]: a container changed in place,
 * straight to workloads/, never the LLM. Without changes, /modules shows a picker of its modules.
 */
export function changeCommands(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  const w = deps.workloads;
  const usage = (ctx: BotContext, form: string) => say(ctx, rich("Usage: ", code(form), "."));

  composer.command("modules", async (ctx) => {
    const [name, ...words] = commandArgs(ctx);
    if (!name) return offerContainers(ctx, deps, "modules");
    if (words.length === 0) return offerModuleChange(ctx, deps, name);
    const bad = words.filter((word) => !/^[+-]./.test(word));
    if (bad.length > 0) return usage(ctx, "/modules NAME +fish -git");
    return startChange(ctx, deps, {
      name,
      add: words.filter((word) => word.startsWith("+")).map((word) => word.slice(1)),
      remove: words.filter((word) => word.startsWith("-")).map((word) => word.slice(1)),
    });
  });

  composer.command("limits", async (ctx) => {
    const [name, cpus, memory, ...extra] = commandArgs(ctx);
    if (!name) return usage(ctx, "/limits NAME [CPUS] [MEMORY]");
    if (cpus === undefined) {
      const { limits } = await w.info(ctx.actor, { name });
      return say(
        ctx,
        rich(
          bold(name),
          limits
            ? ` has ${cpuText(limits.cpus)} and ${formatSize(limits.memoryBytes)} of memory. `
            : " has no limits on record. ",
          code(`/limits ${name} 2 4G`),
          " changes them.",
        ),
      );
    }
    const cpuCount = Number(cpus);
    if (extra.length > 0 || (cpus !== "-" && !Number.isFinite(cpuCount)))
      return usage(ctx, "/limits NAME CPUS [MEMORY], e.g. /limits dev 2 4G (- keeps the CPUs)");
    return startChange(ctx, deps, {
      name,
      ...(cpus === "-" ? {} : { cpus: cpuCount }),
      ...(memory === undefined ? {} : { memory }),
    });
  });
  return composer;
}
