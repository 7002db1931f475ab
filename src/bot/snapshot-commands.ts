import { Composer } from "grammy";
import { formatDuration } from "../duration.js";
import { formatSize } from "../size.js";
import { isSnapshotName } from "../workloads/index.js";
import { askConfirmationCard, offerContainers } from "./actions.js";
import { commandArgs } from "./command-args.js";
import { carryOut } from "./create-flow.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { bold, code, lines, rich } from "./format.js";
import { snapshotKeyboard } from "./keyboards.js";
import { say } from "./reply.js";

/** Takes a snapshot of `name` and says how to come back to it. */
export async function takeSnapshot(ctx: BotContext, deps: BotDeps, name: string, label?: string) {
  const taken = await deps.workloads.snapshot(ctx.actor, {
    name,
    ...(label ? { snapshot: label } : {}),
  });
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
}

/** `name`'s snapshots, oldest first, with their age and the space each holds alone. */
export async function showSnapshots(ctx: BotContext, deps: BotDeps, name: string) {
  const all = await deps.workloads.snapshots(ctx.actor, { name });
  if (all.length === 0) return noSnapshots(ctx, name);
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
}

/** /rollback NAME without a snapshot: one button per snapshot, each asking first. */
export async function offerRollback(ctx: BotContext, deps: BotDeps, name: string) {
  const names = (await deps.workloads.snapshots(ctx.actor, { name }))
    .map((s) => s.name)
    .filter(isSnapshotName);
  if (names.length === 0) return noSnapshots(ctx, name);
  await say(
    ctx,
    rich("Roll ", bold(name), " back to which snapshot? (a card asks first)"),
    snapshotKeyboard(name, names),
  );
}

/** /fork SOURCE without the copy's name: there is no picker for a new name, so an example. */
export async function askForkName(ctx: BotContext, deps: BotDeps, source: string) {
  // Its own container, or the refusal a fork would give: no example for a name one cannot use.
  await deps.workloads.info(ctx.actor, { name: source });
  await say(
    ctx,
    lines(
      rich("Name the copy: ", code(`/fork ${source} ${source}-copy`), "."),
      rich(
        "A snapshot's name after it copies the workspace as it was then (",
        code(`/snapshots ${source}`),
        " lists them).",
      ),
    ),
  );
}

const noSnapshots = (ctx: BotContext, name: string) =>
  say(ctx, rich(bold(name), " has no snapshots. ", code(`/snapshot ${name}`), " takes one."));

/**
 * /snapshot, /snapshots, /deletesnapshot, /rollback and /fork: straight to workloads/, never
 * the LLM. Without a container they offer the user's as buttons; /rollback NAME without a
 * snapshot offers its snapshots.
 */
export function snapshotCommands(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  const w = deps.workloads;
  const usage = (ctx: BotContext, form: string) => say(ctx, rich("Usage: ", code(form), "."));

  composer.command("snapshot", async (ctx) => {
    const [name, label] = commandArgs(ctx);
    if (!name) return offerContainers(ctx, deps, "snapshot");
    await takeSnapshot(ctx, deps, name, label);
  });

  composer.command("snapshots", async (ctx) => {
    const [name] = commandArgs(ctx);
    if (!name) return offerContainers(ctx, deps, "snapshots");
    await showSnapshots(ctx, deps, name);
  });

  composer.command("deletesnapshot", async (ctx) => {
    const [name, snapshot] = commandArgs(ctx);
    if (!name || !snapshot) return usage(ctx, "/deletesnapshot NAME SNAPSHOT");
    await w.deleteSnapshot(ctx.actor, { name, snapshot });
    await say(ctx, rich("Deleted snapshot ", code(snapshot), " of ", bold(name), "."));
  });

  composer.command("fork", async (ctx) => {
    const [source, name, snapshot] = commandArgs(ctx);
    if (!source) return offerContainers(ctx, deps, "fork");
    if (!name) return askForkName(ctx, deps, source);
    const admission = w.admitFork(ctx.actor, { source, name, ...(snapshot ? { snapshot } : {}) });
    await carryOut(ctx, deps, { kind: "fork", admission });
  });

  composer.command("rollback", async (ctx) => {
    const [name, snapshot] = commandArgs(ctx);
    if (!name) return offerContainers(ctx, deps, "rollback");
    if (!snapshot) return offerRollback(ctx, deps, name);
    await askConfirmationCard(ctx, await w.requestRollback(ctx.actor, { name, snapshot }));
  });
  return composer;
}
