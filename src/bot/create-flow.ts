import type { OperationOptions, CreateResult } from "../workloads/index.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { bold, lines, rich, type Rich } from "./format.js";
import { moduleKeyboard } from "./keyboards.js";
import { startProgress } from "./progress.js";
import { describeFailure, say } from "./reply.js";
import { createOutcome } from "./views.js";

/** /new with modules: a progress message that ends with how to connect, or why it failed. */
export async function startCreate(ctx: BotContext, deps: BotDeps, name: string, modules: string[]) {
  await runCreate(ctx, deps, rich("Creating ", bold(name), "…"), (options) =>
    deps.workloads.create(ctx.actor, { name, modules }, options),
  );
}

export async function startRestore(ctx: BotContext, deps: BotDeps, id: string, name: string) {
  await runCreate(ctx, deps, rich("Restoring into ", bold(name), "…"), (options) =>
    deps.workloads.restore(ctx.actor, { id, name }, options),
  );
}

async function runCreate(
  ctx: BotContext,
  deps: BotDeps,
  title: Rich,
  create: (options: OperationOptions) => Promise<CreateResult>,
) {
  const progress = await startProgress(ctx, title, deps.log);
  deps.tasks.run("create", async () => {
    try {
      // The progress message is where the operation reports: after a crash, reconcile edits it.
      const result = await create({
        onProgress: (step, detail) => progress.step(step, detail),
        report: progress.where,
      });
      await progress.finish(createOutcome(result));
    } catch (error) {
      await progress.finish(lines(rich("❌ Could not create it."), describeFailure(error)));
    }
  });
}

/** /new NAME without modules: the module library as toggles, then a create button. */
export async function offerModules(ctx: BotContext, deps: BotDeps, name: string) {
  const modules = deps.workloads.modules().filter((m) => m.name !== "workspace");
  await say(
    ctx,
    lines(
      rich("Which modules for ", bold(name), "?"),
      ...modules.map((m) => rich(bold(m.name), " — ", m.description)),
    ),
    moduleKeyboard(
      name,
      modules.map((m) => m.name),
      [],
    ),
  );
}
