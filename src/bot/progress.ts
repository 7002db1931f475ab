import type { Context } from "grammy";
import type { Logger } from "../log.js";
import type { ProgressStep } from "../workloads/index.js";
import { lines, rich, truncate, type Rich } from "./format.js";
import { showTyping } from "./typing.js";

const STEP_TEXT: Record<ProgressStep, string> = {
  queued: "waiting for a build slot",
  workspace: "preparing the workspace",
  building: "building with Nix (a new module set takes a few minutes)",
  starting: "starting",
  enrolling: "joining the tailnet",
};

/** Edits at most this often: Telegram rate-limits edits of one message. */
export const EDIT_INTERVAL_MS = 1_500;

/**
 * One message that a long operation edits as it goes, with the typing indicator kept alive,
 * ending in a result or a reason. Edits are throttled; the last state always lands.
 */
export async function startProgress(ctx: Context, title: Rich, log: Logger) {
  const done: string[] = [];
  let current: string | undefined;
  const render = () =>
    truncate(lines(title, ...done.map((s) => `✓ ${s}`), current ? `… ${current}` : undefined));
  const first = render();
  const message = await ctx.reply(first.text, { entities: [...first.entities] });
  let lastText = first.text;
  let lastEditAt = 0;
  let timer: NodeJS.Timeout | undefined;

  const edit = async (full: Rich) => {
    const content = truncate(full);
    if (content.text === lastText) return;
    lastText = content.text;
    lastEditAt = Date.now();
    await ctx.api
      .editMessageText(message.chat.id, message.message_id, content.text, {
        entities: [...content.entities],
      })
      .catch((error: unknown) =>
        // The outcome not reaching the chat leaves the user watching "Creating…": the admin
        // should see why (an unchanged text is the one harmless refusal).
        /message is not modified/.test(String(error))
          ? undefined
          : log.warn({ err: error }, "progress edit failed"),
      );
  };
  const schedule = () => {
    if (timer) return;
    const wait = Math.max(0, lastEditAt + EDIT_INTERVAL_MS - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      void edit(render());
    }, wait);
  };
  const typing = showTyping(ctx);

  const finish = async (result: Rich) => {
    typing.stop();
    clearTimeout(timer);
    await edit(rich(result));
  };
  return {
    /** The message itself, for an operation to name as where it reports. */
    where: { chatId: message.chat.id, messageId: message.message_id },
    step(step: ProgressStep, detail?: string) {
      if (current) done.push(current);
      current = `${STEP_TEXT[step]}${detail ? ` (${detail})` : ""}`;
      schedule();
    },
    finish,
  };
}
