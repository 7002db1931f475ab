import { Composer, type InlineKeyboard } from "grammy";
import { isChangeable, Refusal } from "../workloads/index.js";
import { within } from "../within.js";
import { formatDuration } from "../duration.js";
import { askConfirmationCard, CONTAINER_VERBS, runVerb, type ContainerVerb } from "./actions.js";
import type { BotContext } from "./context.js";
import { offerModuleChange, startChange } from "./change-commands.js";
import { carryOut } from "./create-flow.js";
import type { BotDeps } from "./deps.js";
import { bold, code, lines, rich, type Rich } from "./format.js";
import { decodePress, moduleKeyboard, restoreAsKeyboard, undoKeyboard } from "./keyboards.js";
import { describeFailure, logFailure, say } from "./reply.js";
import { QUICK_ANSWER_MS } from "./reply-soon-or-later.js";
import { askForkName, offerRollback, showSnapshots, takeSnapshot } from "./snapshot-commands.js";

/** What a container picker's press does for the commands beyond CONTAINER_VERBS. */
const PICKED: Readonly<
  Record<string, (ctx: BotContext, deps: BotDeps, name: string) => Promise<unknown>>
> = {
  snapshot: (ctx, deps, name) => takeSnapshot(ctx, deps, name),
  snapshots: showSnapshots,
  rollback: offerRollback,
  fork: askForkName,
  modules: offerModuleChange,
};

/**
 * Button presses. Callback data is only a request: every one is answered, and every action is
 * checked again in workloads/ against the presser's identity (forged or replayed data does
 * nothing). Confirmation buttons disappear once used.
 */
export function callbacks(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  const w = deps.workloads;

  composer.on("callback_query:data", async (ctx) => {
    const press = decodePress(ctx.callbackQuery.data);
    switch (press?.kind) {
      case "confirm":
        return confirm(ctx, deps, press.id);
      case "cancel":
        try {
          const { action, target } = w.cancel(ctx.actor, press.id);
          await ctx.answerCallbackQuery();
          return await ctx.editMessageText(
            action === "grant" ? `Denied ${target}.` : `Kept ${target}.`,
          );
        } catch (error) {
          return answerFailure(ctx, error);
        }
      case "pick": {
        await ctx.answerCallbackQuery();
        await ctx.editMessageReplyMarkup().catch(() => {});
        const verb = press.verb as ContainerVerb;
        if (CONTAINER_VERBS.includes(verb)) await runVerb(ctx, deps, verb, press.name);
        else await PICKED[press.verb]?.(ctx, deps, press.name);
        return;
      }
      case "pick-snapshot": {
        await ctx.answerCallbackQuery();
        await ctx.editMessageReplyMarkup().catch(() => {});
        const { name, snapshot } = press;
        return askConfirmationCard(ctx, await w.requestRollback(ctx.actor, { name, snapshot }));
      }
      case "toggle-module": {
        const available = w
          .modules()
          .map((m) => m.name)
          // A change's picker offers only what a change may touch (not Tailscale).
          .filter((m) => m !== "workspace" && (press.purpose === "create" || isChangeable(m)));
        await ctx.answerCallbackQuery();
        return void (await ctx
          .editMessageReplyMarkup({
            reply_markup: moduleKeyboard(
              press.purpose,
              press.name,
              available,
              press.modules.filter((m) => available.includes(m)),
            ),
          })
          .catch(() => {}));
      }
      case "idle": {
        if (press.action === "stop") {
          await ctx.answerCallbackQuery();
          await ctx.editMessageReplyMarkup().catch(() => {});
          return runVerb(ctx, deps, "down", press.name);
        }
        const kept = w.keepAlive(ctx.actor, { name: press.name });
        await ctx.answerCallbackQuery({
          text: `${kept.name} stays up; it is stopped only after ${formatDuration(kept.idleStopMs)} without use from now.`,
        });
        return void (await ctx.editMessageReplyMarkup().catch(() => {}));
      }
      case "restore": {
        // Under the name it had: what an Undo means. A name taken meanwhile, or an entry
        // purged or restored already, is the press's answer.
        // Admitted before anything is awaited, run after: a failing progress message is then
        // this handler's error, answered by the boundary, never an unhandled rejection.
        let admission;
        try {
          admission = w.admitRestore(ctx.actor, { id: press.trashId });
        } catch (error) {
          if (!(error instanceof Refusal) || error.reason !== "name-taken") throw error;
          // Not a dead end: the same workspace under a free name, one press away. The Undo stays.
          return offerAnotherName(ctx, press.trashId, error);
        }
        await ctx.answerCallbackQuery().catch(() => {});
        await ctx.editMessageReplyMarkup().catch(() => {});
        return carryOut(ctx, deps, { kind: "restore", admission });
      }
      case "restore-as": {
        const admission = w.admitRestore(ctx.actor, { id: press.trashId, name: press.name });
        await ctx.answerCallbackQuery().catch(() => {});
        await ctx.editMessageReplyMarkup().catch(() => {});
        return carryOut(ctx, deps, { kind: "restore", admission });
      }
      case "create-with": {
        // Admitted first: a refusal (a name taken meanwhile) is the press's answer, and the
        // picker stays for another try.
        const admission = w.admitCreate(ctx.actor, { name: press.name, modules: press.modules });
        await ctx.answerCallbackQuery().catch(() => {});
        await ctx.editMessageReplyMarkup().catch(() => {});
        return carryOut(ctx, deps, { kind: "create", admission });
      }
      case "change-to": {
        // Checked first: a refusal (someone else's container, a stale choice) is the press's
        // answer, and the picker stays as it is.
        const input = { name: press.name, modules: press.modules };
        w.checkChange(ctx.actor, input);
        await ctx.answerCallbackQuery().catch(() => {});
        await ctx.editMessageReplyMarkup().catch(() => {});
        return startChange(ctx, deps, input);
      }
      default:
        // Stale or forged data (and a member's own press of a stranger's button): answered, ignored.
        return void (await ctx.answerCallbackQuery({
          text: "That button no longer does anything.",
        }));
    }
  });
  return composer;
}

async function confirm(ctx: BotContext, deps: BotDeps, id: string) {
  const card = ctx.callbackQuery?.message;
  const outcome = deps.workloads.confirm(
    ctx.actor,
    id,
    // The card is where a destroy reports: after a crash, reconcile edits it into the outcome.
    card ? { report: { chatId: card.chat.id, messageId: card.message_id } } : {},
  );
  let quick: Confirmed | undefined;
  try {
    quick = await within(outcome, QUICK_ANSWER_MS);
  } catch (error) {
    return answerFailure(ctx, error);
  }
  if (quick) {
    await ctx.answerCallbackQuery();
    return editCard(ctx, await confirmed(ctx, quick));
  }
  // Telegram refuses an answer to a press a few seconds old ("query is too old and response
  // timeout expired"), and the chat should not wait for a slow host: the press is answered
  // now, and the card becomes the outcome when it ends.
  await ctx.answerCallbackQuery({ text: "Working on it…" });
  await ctx.editMessageReplyMarkup().catch(() => {});
  deps.tasks.run("confirmation", async () => {
    let card: CardOutcome;
    try {
      card = await confirmed(ctx, await outcome);
    } catch (error) {
      logFailure(deps.log, error, "confirmation failed");
      card = { text: describeFailure(error) };
    }
    await editCard(ctx, card);
  });
}

type Confirmed = Awaited<ReturnType<BotDeps["workloads"]["confirm"]>>;

interface CardOutcome {
  readonly text: Rich;
  readonly keyboard?: InlineKeyboard;
}

/**
 * What a confirmed action's card says: a destroy's, with an Undo while its workspace is in the
 * trash; a rollback's, with where the state it replaced went; an approval also tells the new user.
 */
async function confirmed(ctx: BotContext, result: Confirmed): Promise<CardOutcome> {
  if (result.action === "destroy")
    return {
      text: lines(
        rich("🗑 ", bold(result.name), " destroyed."),
        result.trashId
          ? rich(
              "Its workspace is in your trash as ",
              code(result.trashId),
              ` for ${result.keptDays} days.`,
            )
          : undefined,
      ),
      ...(result.trashId ? { keyboard: undoKeyboard(result.trashId) } : {}),
    };
  if (result.action === "rollback")
    return {
      text: lines(
        rich(
          "↩️ ",
          bold(result.name),
          " is back at snapshot ",
          code(result.snapshot),
          ` (${result.state}).`,
        ),
        rich(
          "What was there, with the snapshots after it, is in your trash as ",
          code(result.trashId),
          ` for ${result.keptDays} days.`,
        ),
      ),
    };
  await ctx.api
    .sendMessage(result.userId, "You now have access to voxnix. Send /start.")
    .catch(() => {});
  return { text: rich(`✅ Approved ${result.userId}.`) };
}

const editCard = (ctx: BotContext, { text, keyboard }: CardOutcome) =>
  ctx.editMessageText(text.text, {
    entities: [...text.entities],
    ...(keyboard ? { reply_markup: keyboard } : {}),
  });

/** A restore whose name was taken: why, and the workspace under a free name (button or command). */
async function offerAnotherName(ctx: BotContext, trashId: string, refusal: Refusal) {
  await ctx.answerCallbackQuery({ text: refusal.userMessage.slice(0, 190) }).catch(() => {});
  const suggestion = refusal.details?.suggestion;
  const name = typeof suggestion === "string" ? suggestion : "NAME";
  const keyboard = typeof suggestion === "string" ? restoreAsKeyboard(trashId, name) : undefined;
  await say(
    ctx,
    lines(
      rich(refusal.userMessage),
      rich("Bring it back under another name: ", code(`/restore ${trashId} ${name}`), "."),
    ),
    keyboard,
  );
}

async function answerFailure(ctx: BotContext, error: unknown) {
  await ctx.answerCallbackQuery({
    text: describeFailure(error).text.slice(0, 190),
    show_alert: true,
  });
  // A confirmation that can no longer run should not keep offering its buttons; one pressed by
  // someone else (another member of a group) still can, by its owner.
  if (
    error instanceof Refusal &&
    error.reason === "not-confirmed" &&
    error.details?.consumed !== "not-yours"
  )
    await ctx.editMessageReplyMarkup().catch(() => {});
}
