import { Composer } from "grammy";
import { Secret } from "../secret.js";
import type { SecretAddInput } from "../workloads/index.js";
import { commandArgs } from "./command-args.js";
import { looksLikeCredential } from "./credential-shape.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { bold, code, lines, rich } from "./format.js";
import { say } from "./reply.js";

/** How long /secret add waits for the value: a message after that is ordinary chat again. */
export const SECRET_CAPTURE_MS = 5 * 60_000;

const USAGE = () =>
  lines(
    rich(code("/secret add NAME [KIND] [HOST] [HEADER]"), " then send the value"),
    rich(code("/secret use NAME CONTAINER"), ", ", code("/secret unuse NAME CONTAINER")),
    rich(code("/secret rm NAME"), "; ", code("/secrets"), " lists yours."),
    rich(
      "Kinds: anthropic, openai, openrouter, github, bearer HOST, header HOST HEADER. A container uses a secret through the host's proxy and never sees it.",
    ),
  );

/**
 * /secret and /secrets. `/secret add` asks for the value in the next message, which is taken
 * here, before commands, buttons and the agent: it is deleted from the chat at once, sealed by
 * workloads, and never reaches the model, the conversation's history or a log. The wait is in
 * memory: a value sent after a restart, or too late, is not taken, but a message that looks
 * like a key (credential-shape.ts) is turned away here all the same, never passed on.
 */
export function secretCommands(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  const w = deps.workloads;
  /** Adds waiting for their value, by chat and person. */
  const waiting = new Map<string, { input: SecretAddInput; untilMs: number }>();
  const keyOf = (ctx: BotContext) => `${ctx.chat?.id}:${ctx.from?.id}`;

  composer.on("message", async (ctx, next) => {
    const key = keyOf(ctx);
    const pending = waiting.get(key);
    waiting.delete(key);
    const text = ctx.message.text;
    if (!pending || pending.untilMs < Date.now()) {
      if (text === undefined || !looksLikeCredential(text)) return next();
      const deleted = await ctx.deleteMessage().then(
        () => true,
        () => false,
      );
      return say(
        ctx,
        lines(
          rich("That looks like a key, so I did not pass it on to the model."),
          deleted
            ? rich("I deleted your message.")
            : rich(bold("I could not delete your message: delete it yourself now.")),
          w.secrets.available()
            ? rich(
                "To let a container use it without seeing it: ",
                code("/secret add NAME KIND"),
                ", then send it.",
              )
            : rich("Say it in words if it was not a key."),
        ),
      );
    }
    if (text === undefined || text.startsWith("/")) {
      await say(ctx, rich("No secret stored: I waited for its value."));
      return text === "/cancel" ? undefined : next();
    }
    // Out of the chat before anything else can fail.
    const deleted = await ctx.deleteMessage().then(
      () => true,
      () => false,
    );
    const stored = w.secrets.add(ctx.actor, { ...pending.input, value: new Secret(text) });
    await say(
      ctx,
      lines(
        rich(
          "Stored ",
          bold(stored.name),
          ` (${stored.kind}, sent only to ${stored.host}), encrypted on the host.`,
        ),
        deleted
          ? rich("I deleted your message with the value.")
          : rich(bold("I could not delete your message: delete it yourself now.")),
        rich(code(`/secret use ${stored.name} CONTAINER`), " lets a container of yours use it."),
      ),
    );
  });

  composer.command("secret", async (ctx) => {
    const [verb, name, ...rest] = commandArgs(ctx);
    if (verb === "add" && name) {
      // Everyone in a group would read the value before it is deleted.
      if (ctx.chat?.type !== "private")
        return say(ctx, rich("Send secrets only in a private chat with me."));
      const [kind, host, header] = rest;
      const input: SecretAddInput = {
        name,
        ...(kind ? { kind } : {}),
        ...(host ? { host } : {}),
        ...(header ? { header } : {}),
      };
      w.secrets.checkAdd(ctx.actor, input);
      waiting.set(keyOf(ctx), { input, untilMs: Date.now() + SECRET_CAPTURE_MS });
      return say(
        ctx,
        lines(
          rich("Send the value of ", bold(name), " as your next message."),
          rich(
            "I delete that message as soon as I have read it, keep the value encrypted on the host and never show it again. ",
            code("/cancel"),
            " stops.",
          ),
        ),
      );
    }
    if (verb === "rm" && name) {
      const removed = await w.secrets.remove(ctx.actor, { secret: name });
      return say(
        ctx,
        rich(
          "Removed ",
          bold(removed.name),
          removed.containers.length > 0
            ? `; ${removed.containers.join(", ")} can no longer use it.`
            : ".",
        ),
      );
    }
    if ((verb === "use" || verb === "unuse") && name && rest[0]) {
      const result = await w.secrets[verb](ctx.actor, { secret: name, container: rest[0] });
      return say(
        ctx,
        verb === "use"
          ? rich(
              bold(result.container),
              " may use ",
              bold(result.secret),
              " through the host's proxy: its programs read the proxy's address from ",
              code("/run/voxnix/egress/env"),
              ".",
            )
          : rich(bold(result.container), " can no longer use ", bold(result.secret), "."),
      );
    }
    return say(ctx, USAGE());
  });

  composer.command("secrets", async (ctx) => {
    const secrets = w.secrets.list(ctx.actor);
    if (secrets.length === 0) return say(ctx, lines(rich("You have no secrets."), USAGE()));
    await say(
      ctx,
      lines(
        bold("Secrets"),
        ...secrets.map((s) =>
          rich(
            "• ",
            bold(s.name),
            ` ${s.kind} → ${s.host}: `,
            s.uses.length === 0
              ? "no container uses it"
              : s.uses
                  .map(
                    (u) =>
                      `${u.container} (${u.requests} request${u.requests === 1 ? "" : "s"}${
                        u.lastUsedAtMs
                          ? `, last ${new Date(u.lastUsedAtMs).toISOString().slice(0, 16).replace("T", " ")}`
                          : ""
                      })`,
                  )
                  .join(", "),
          ),
        ),
      ),
    );
  });
  return composer;
}
