import type { ConfirmationRequest, RollbackRequest } from "../workloads/index.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { bold, code, italic, lines, pre, rich, type Rich } from "./format.js";
import { confirmKeyboard, pickerKeyboard, webAppKeyboard } from "./keyboards.js";
import { answerOrFailure, say } from "./reply.js";
import { replySoonOrLater } from "./reply-soon-or-later.js";
import {
  containerDetails,
  containerList,
  destroyQuestion,
  powerLine,
  rollbackQuestion,
} from "./views.js";

/** Verbs that act on one container: with a name they act, without one they show a picker. */
export const CONTAINER_VERBS = ["info", "up", "down", "restart", "destroy", "logs"] as const;
export type ContainerVerb = (typeof CONTAINER_VERBS)[number];

export async function showList(ctx: BotContext, deps: BotDeps, all = false) {
  await say(ctx, containerList(await deps.workloads.list(ctx.actor, { all }), all));
}

const POWER_VERBS = {
  up: { action: "start", doing: "Starting" },
  down: { action: "stop", doing: "Stopping" },
  restart: { action: "restart", doing: "Restarting" },
} as const;

/** A button per container of the user's, for a command given without a name. */
export async function offerContainers(ctx: BotContext, deps: BotDeps, verb: string) {
  const names = (await deps.workloads.list(ctx.actor)).map((c) => c.name);
  if (names.length === 0)
    return say(ctx, rich("You have no containers. ", code("/new NAME"), " creates one."));
  return say(ctx, rich(`Which container? (/${verb})`), pickerKeyboard(verb, names));
}

/** Runs a verb on a named container, or offers a picker of the user's containers. */
export async function runVerb(
  ctx: BotContext,
  deps: BotDeps,
  verb: ContainerVerb,
  name: string | undefined,
) {
  if (!name) return offerContainers(ctx, deps, verb);
  const w = deps.workloads;
  switch (verb) {
    case "info": {
      let shown: { name: string; running: boolean } | undefined;
      return replySoonOrLater(
        ctx,
        deps,
        rich("Looking up ", bold(name), "…"),
        async () => {
          const info = await w.info(ctx.actor, { name });
          shown = { name: info.name, running: info.state === "running" };
          return containerDetails(info, ctx.actor.userId);
        },
        () =>
          deps.webAppUrl && shown && ctx.chat?.type === "private"
            ? webAppKeyboard(deps.webAppUrl, shown.name, shown.running)
            : undefined,
      );
    }
    case "up":
    case "down":
    case "restart": {
      const { action, doing } = POWER_VERBS[verb];
      return replySoonOrLater(ctx, deps, rich(`${doing} `, bold(name), "…"), async () =>
        powerLine(await w[action](ctx.actor, { name })),
      );
    }
    case "destroy":
      return askConfirmationCard(ctx, await w.requestDestroy(ctx.actor, { name }));
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

/** Sends what `answer` settles to once it does, in the background: the chat goes on meanwhile. */
export function reportWhenDone(ctx: BotContext, deps: BotDeps, answer: Promise<Rich>) {
  deps.tasks.run(
    "report",
    async () => void (await say(ctx, await answerOrFailure(answer, deps.log))),
  );
}

/** The Yes/No card for a pending destroy or rollback; only the requester's press runs it. */
export async function askConfirmationCard(
  ctx: BotContext,
  request: ConfirmationRequest | RollbackRequest,
) {
  if (request.action === "rollback")
    return say(ctx, rollbackQuestion(request), confirmKeyboard(request.id, "Yes, roll back"));
  await say(ctx, destroyQuestion(request), confirmKeyboard(request.id));
}
