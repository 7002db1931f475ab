import type { AdmittedWork } from "../agent/index.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { bold, lines, rich } from "./format.js";
import { moduleKeyboard } from "./keyboards.js";
import { startProgress } from "./progress.js";
import { describeFailure, say } from "./reply.js";
import { createOutcome } from "./views.js";

/** The title of admitted work's progress message, before the container's name. */
const DOING: Record<AdmittedWork["kind"], string> = {
  create: "Creating ",
  restore: "Restoring into ",
  fork: "Forking into ",
};

/** /new with modules: refused at once, or a progress message that ends with how to connect. */
export function startCreate(
  ctx: BotContext,
  deps: BotDeps,
  name: string,
  modules: string[],
  ttlMs?: number,
) {
  return carryOut(ctx, deps, {
    kind: "create",
    admission: deps.workloads.admitCreate(ctx.actor, {
      name,
      modules,
      ...(ttlMs !== undefined ? { ttlMs } : {}),
    }),
  });
}

/** A trashed workspace as a new container named `name`, or under the name it had. */
export function startRestore(ctx: BotContext, deps: BotDeps, id: string, name?: string) {
  return carryOut(ctx, deps, {
    kind: "restore",
    admission: deps.workloads.admitRestore(ctx.actor, { id, ...(name ? { name } : {}) }),
  });
}

/**
 * Runs admitted work in the background behind one progress message. Only admitted work gets
 * one: a refusal was said before, as an answer. If the message cannot be sent, the work is
 * given up and its name freed, rather than run where nobody sees it end.
 */
export async function carryOut(ctx: BotContext, deps: BotDeps, { kind, admission }: AdmittedWork) {
  const title = rich(DOING[kind], bold(admission.name), "…");
  let progress: Awaited<ReturnType<typeof startProgress>>;
  try {
    progress = await startProgress(ctx, title, deps.log);
  } catch (error) {
    admission.release();
    throw error;
  }
  deps.tasks.run(kind, async () => {
    try {
      // The progress message is where the operation reports: after a crash, reconcile edits it.
      const result = await admission.run({
        onProgress: (step, detail) => progress.step(step, detail),
        report: progress.where,
      });
      await progress.finish(createOutcome(result));
    } catch (error) {
      await progress.finish(lines(rich(`❌ Could not ${kind} it.`), describeFailure(error)));
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
      "create",
      name,
      modules.map((m) => m.name),
      [],
    ),
  );
}
