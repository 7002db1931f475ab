import type { Logger } from "../log.js";
import { formatDuration } from "../duration.js";
import { formatSize } from "../size.js";
import {
  STALE_NOTE,
  type ConfirmationRequest,
  type ContainerSummary,
  type CreateResult,
  type OperationOptions,
  type PowerResult,
  type Workloads,
} from "../workloads/index.js";
import type { BackgroundTasks } from "./background.js";
import type { BotContext } from "./context.js";
import { bold, code, italic, lines, pre, rich, type Rich } from "./format.js";
import { confirmKeyboard, moduleKeyboard, pickerKeyboard } from "./keyboards.js";
import { startProgress } from "./progress.js";
import { answerOrFailure, describeFailure, say } from "./reply.js";
import { replySoonOrLater } from "./reply-soon-or-later.js";

export interface BotDeps {
  readonly workloads: Workloads;
  readonly tasks: BackgroundTasks;
  readonly log: Logger;
}

/** Verbs that act on one container: with a name they act, without one they show a picker. */
export const CONTAINER_VERBS = ["info", "up", "down", "restart", "destroy", "logs"] as const;
export type ContainerVerb = (typeof CONTAINER_VERBS)[number];

const STATE_ICON: Record<ContainerSummary["state"], string> = {
  running: "🟢",
  stopped: "⚪",
  creating: "🛠",
  destroying: "🗑",
  failed: "🔴",
};

export function containerLine(c: ContainerSummary, showOwner = false): Rich {
  return rich(
    `${STATE_ICON[c.state]} `,
    bold(c.name),
    ` ${c.state}`,
    c.modules.length ? ` · ${c.modules.filter((m) => m !== "workspace").join(", ") || "base"}` : "",
    c.workspaceBytes !== undefined ? ` · ${formatSize(c.workspaceBytes)}` : "",
    showOwner ? ` · owner ${c.ownerId}` : "",
  );
}

export async function showList(ctx: BotContext, deps: BotDeps, all = false) {
  const containers = await deps.workloads.list(ctx.actor, { all });
  if (containers.length === 0) {
    await say(
      ctx,
      rich("No containers yet. Create one with ", code("/new dev git fish"), " or just ask me."),
    );
    return;
  }
  await say(
    ctx,
    lines(
      bold(all ? "All containers" : "Your containers"),
      ...containers.map((c) => containerLine(c, all)),
      containers.some((c) => !c.live) ? STALE_NOTE : undefined,
    ),
  );
}

const POWER_VERBS = {
  up: { action: "start", doing: "Starting" },
  down: { action: "stop", doing: "Stopping" },
  restart: { action: "restart", doing: "Restarting" },
} as const;

/** Runs a verb on a named container, or offers a picker of the user's containers. */
export async function runVerb(
  ctx: BotContext,
  deps: BotDeps,
  verb: ContainerVerb,
  name: string | undefined,
) {
  if (!name) {
    const names = (await deps.workloads.list(ctx.actor)).map((c) => c.name);
    if (names.length === 0)
      return say(ctx, rich("You have no containers. ", code("/new NAME"), " creates one."));
    return say(ctx, rich(`Which container? (/${verb})`), pickerKeyboard(verb, names));
  }
  const w = deps.workloads;
  switch (verb) {
    case "info":
      return replySoonOrLater(ctx, deps, rich("Looking up ", bold(name), "…"), () =>
        describeContainer(ctx, deps, name),
      );
    case "up":
    case "down":
    case "restart": {
      const { action, doing } = POWER_VERBS[verb];
      return replySoonOrLater(ctx, deps, rich(`${doing} `, bold(name), "…"), async () =>
        powerLine(await w[action](ctx.actor, { name })),
      );
    }
    case "destroy":
      return askDestroy(ctx, deps, name);
    case "logs":
      return replySoonOrLater(
        ctx,
        deps,
        rich("Reading the logs of ", bold(name), "…"),
        async () => {
          const logs = await w.logs(ctx.actor, { name, lines: 40 });
          const header =
            logs.source === "host-unit"
              ? rich(bold(name), " is not running; the host's view of it:")
              : rich("Last lines of ", bold(name), ":");
          return lines(
            header,
            logs.lines.length ? pre(logs.lines.join("\n")) : italic("no log lines"),
          );
        },
      );
  }
}

/** What a finished start, stop or restart says. */
export const powerLine = (result: PowerResult) => rich(bold(result.name), ` is ${result.state}.`);

/** Sends what `answer` settles to once it does, in the background: the chat goes on meanwhile. */
export function reportWhenDone(ctx: BotContext, deps: BotDeps, answer: Promise<Rich>) {
  deps.tasks.run(
    "report",
    async () => void (await say(ctx, await answerOrFailure(answer, deps.log))),
  );
}

export async function describeContainer(
  ctx: BotContext,
  deps: BotDeps,
  name: string,
): Promise<Rich> {
  const info = await deps.workloads.info(ctx.actor, { name });
  const uptime = info.uptimeMs === undefined ? undefined : formatDuration(info.uptimeMs);
  return lines(
    rich(
      STATE_ICON[info.state],
      " ",
      bold(info.name),
      ` ${info.state}`,
      uptime ? ` for ${uptime}` : "",
    ),
    rich("Modules: ", info.modules.join(", ")),
    rich("Limits: ", `${info.limits.cpus} CPU, ${formatSize(info.limits.memoryBytes)} memory`),
    info.workspaceBytes !== undefined
      ? rich("Workspace: ", formatSize(info.workspaceBytes))
      : undefined,
    info.tailscale
      ? connectHint(info.name, info.tailscaleName)
      : rich(
          "No Tailscale: ask the admin for a shell (",
          code(`machinectl shell ${info.name}`),
          ").",
        ),
  );
}

function connectHint(name: string, tailscaleName: string | undefined): Rich {
  return tailscaleName
    ? rich("Connect: ", code(`ssh root@${name}`), " (", tailscaleName, ")")
    : rich("Tailscale: joining your tailnet; then connect with ", code(`ssh root@${name}`), ".");
}

export async function askDestroy(ctx: BotContext, deps: BotDeps, name: string) {
  await askDestroyCard(ctx, deps.workloads.requestDestroy(ctx.actor, { name }));
}

/** The Yes/No card for a pending destroy; only the requester's press runs it. */
export async function askDestroyCard(ctx: BotContext, request: ConfirmationRequest) {
  const name = request.target;
  await say(
    ctx,
    lines(
      rich("Destroy ", bold(name), "?"),
      `Its /workspace stays in your trash for ${request.keptDays} days; /restore brings it back.`,
    ),
    confirmKeyboard(request.id),
  );
}

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
      const tailscale = result.modules.includes("tailscale");
      await progress.finish(
        result.state === "running"
          ? lines(
              rich("✅ ", bold(result.name), " is running (", result.modules.join(", "), ")."),
              tailscale
                ? connectHint(result.name, undefined)
                : rich(
                    "Without Tailscale, the admin can open a shell: ",
                    code(`machinectl shell ${result.name}`),
                    ".",
                  ),
            )
          : lines(
              rich(
                "⚠️ ",
                bold(result.name),
                " was installed but is not running: ",
                result.problem ?? "unknown reason",
                ".",
              ),
            ),
      );
    } catch (error) {
      await progress.finish(lines(rich("❌ Could not create it."), describeFailure(error)));
    }
  });
}

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
