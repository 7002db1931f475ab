import { Composer } from "grammy";
import { formatDuration } from "../duration.js";
import { formatSize } from "../size.js";
import { askConfirmationCard } from "./actions.js";
import { commandArgs } from "./command-args.js";
import { carryOut } from "./create-flow.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { bold, code, lines, rich } from "./format.js";
import { say } from "./reply.js";

/** /snapshot, /snapshots, /deletesnapshot, /rollback and /fork: straight to workloads/, never the LLM. */
export function snapshotCommands(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  const w = deps.workloads;
  const usage = (ctx: BotContext, form: string) => say(ctx, rich("Usage: ", code(form), "."));

  composer.command("snapshot", async (ctx) => {
    const [name, label] = commandArgs(ctx);
    if (!name) return usage(ctx, "/snapshot NAME [label]");
    const taken = await w.snapshot(ctx.actor, { name, ...(label ? { snapshot: label } : {}) });
    await say(
      ctx,
      rich(
        "📸 Snapshot ",
        code(taken.name),
        " of ",
        bold(name),
        " taken. ",
        code(`/rollback ${name} ${taken.name}`),
        " brings the workspace back to it.",
      ),
    );
  });

  composer.command("snapshots", async (ctx) => {
    const [name] = commandArgs(ctx);
    if (!name) return usage(ctx, "/snapshots NAME");
    const all = await w.snapshots(ctx.actor, { name });
    if (all.length === 0)
      return say(
        ctx,
        rich(bold(name), " has no snapshots. ", code(`/snapshot ${name}`), " takes one."),
      );
    const now = Date.now();
    await say(
      ctx,
      lines(
        rich("Snapshots of ", bold(name), ", oldest first:"),
        ...all.map((s) =>
          rich(
            "• ",
            code(s.name),
            ` ${formatDuration(now - s.createdAt.getTime())} ago, ${formatSize(s.usedBytes)} of its own`,
          ),
        ),
      ),
    );
  });

  composer.command("deletesnapshot", async (ctx) => {
    const [name, snapshot] = commandArgs(ctx);
    if (!name || !snapshot) return usage(ctx, "/deletesnapshot NAME SNAPSHOT");
    await w.deleteSnapshot(ctx.actor, { name, snapshot });
    await say(ctx, rich("Deleted snapshot ", code(snapshot), " of ", bold(name), "."));
  });

  composer.command("fork", async (ctx) => {
    const [source, name, snapshot] = commandArgs(ctx);
    if (!source || !name) return usage(ctx, "/fork SOURCE NEW [SNAPSHOT]");
    const admission = w.admitFork(ctx.actor, { source, name, ...(snapshot ? { snapshot } : {}) });
    await carryOut(ctx, deps, { kind: "fork", admission });
  });

  composer.command("rollback", async (ctx) => {
    const [name, snapshot] = commandArgs(ctx);
    if (!name || !snapshot) return usage(ctx, "/rollback NAME SNAPSHOT");
    await askConfirmationCard(ctx, await w.requestRollback(ctx.actor, { name, snapshot }));
  });
  return composer;
}
