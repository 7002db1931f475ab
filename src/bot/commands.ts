import { Composer, type Api } from "grammy";
import type { BotCommand } from "grammy/types";
import type { Logger } from "../log.js";
import { parseDuration } from "../duration.js";
import { formatSize } from "../size.js";
import {
  auditDetailText,
  computeText,
  containerName,
  cpuHistoryText,
  idlePolicyText,
  overviewLine,
  parseIdlePeriod,
  resourcesText,
} from "../workloads/index.js";
import { CONTAINER_VERBS, runVerb, showList } from "./actions.js";
import { offerModules, startCreate, startRestore } from "./create-flow.js";
import type { BotDeps } from "./deps.js";
import type { BotContext } from "./context.js";
import { bold, code, lines, rich } from "./format.js";
import { trashKeyboard } from "./keyboards.js";
import { say } from "./reply.js";
import { commandArgs } from "./command-args.js";
import { snapshotCommands } from "./snapshot-commands.js";
import { changeCommands } from "./change-commands.js";
import { secretCommands } from "./secret-commands.js";

export const USER_COMMANDS: readonly BotCommand[] = [
  { command: "list", description: "your containers" },
  { command: "new", description: "create a container: /new NAME [modules…] [for 3d]" },
  { command: "info", description: "details and how to connect" },
  { command: "up", description: "start a container (/start NAME too)" },
  { command: "down", description: "stop a container (/stop NAME too)" },
  { command: "restart", description: "restart a container" },
  { command: "logs", description: "recent log lines" },
  { command: "destroy", description: "destroy a container (asks first)" },
  { command: "usage", description: "your storage, CPU and memory (admins: /usage all)" },
  { command: "trash", description: "destroyed containers' workspaces" },
  { command: "restore", description: "bring back a destroyed container: /restore [ID [NAME]]" },
  { command: "pin", description: "never stop a container for being idle: /pin NAME" },
  { command: "unpin", description: "let the idle policy stop it again: /unpin NAME" },
  { command: "idle", description: "when a container is stopped: /idle NAME [12h|never|default]" },
  { command: "modules", description: "change a container's modules: /modules NAME [+fish -git]" },
  { command: "limits", description: "change its CPUs and memory: /limits NAME [CPUS] [MEMORY]" },
  { command: "snapshot", description: "keep the workspace as it is now: /snapshot NAME [label]" },
  { command: "snapshots", description: "a container's snapshots: /snapshots NAME" },
  { command: "rollback", description: "back to a snapshot (asks first): /rollback NAME SNAPSHOT" },
  {
    command: "fork",
    description: "a copy of a container and its workspace: /fork NAME NEW [SNAPSHOT]",
  },
  { command: "deletesnapshot", description: "delete a snapshot: /deletesnapshot NAME SNAPSHOT" },
  { command: "secrets", description: "API keys your containers use, never see" },
  { command: "secret", description: "/secret add|rm NAME, /secret use|unuse NAME CONTAINER" },
  { command: "notify", description: "news unasked (crashes, quota, trash): /notify on|off" },
  { command: "reset", description: "forget our conversation" },
  { command: "help", description: "what I can do" },
];

export const ADMIN_COMMANDS: readonly BotCommand[] = [
  ...USER_COMMANDS,
  { command: "all", description: "everyone's containers" },
  { command: "users", description: "who has access" },
  { command: "doctor", description: "host health" },
  { command: "audit", description: "who did what: /audit [NAME|USER ID]" },
];

/** The newest trashed workspaces /restore offers as buttons; /trash lists them all. */
const RESTORE_PICKER_SIZE = 10;

/** How many audit entries one /audit shows: one screen, not the table's history. */
const AUDIT_IN_CHAT = 20;

const OUTCOME_MARK = { ok: "✓", refused: "✗ refused", failed: "❌ failed" } as const;

/**
 * Sets the command menus: the user list for everyone, the admin list in each admin's chat.
 * Failures are logged, never fatal (an admin who never started the bot has no chat yet).
 */
export async function publishCommands(api: Api, admins: readonly number[], log: Logger) {
  await api
    .setMyCommands([...USER_COMMANDS])
    .catch((error: unknown) => log.warn({ err: error }, "could not set the command menu"));
  for (const admin of admins) {
    await api
      .setMyCommands([...ADMIN_COMMANDS], { scope: { type: "chat", chat_id: admin } })
      .catch((error: unknown) =>
        log.warn(
          { err: error, admin },
          "could not set admin commands (has the admin started the bot?)",
        ),
      );
  }
}

/** Slash commands: they act directly on workloads/, never through the LLM. */
export function commands(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  const w = deps.workloads;

  // First: the message after /secret add is a value, for no other handler to see.
  composer.use(secretCommands(deps));
  // Below, only slash commands: any other message (free text for the agent, mostly) passes them
  // all in one step. grammY tries handlers one after another, and walking ~45 of them cost each
  // free-text turn 0.2–0.3 ms of the bot's CPU, 5–8% of the whole turn (measured with the set-up
  // of bench/bot-overhead.ts).
  const slash = composer.on("::bot_command");

  // The CLI says start and stop; people type them here too. A bare /start is Telegram's own
  // first message, answered with the welcome.
  slash.command("start", (ctx, next) => {
    const name = commandArgs(ctx)[0];
    return name === undefined ? next() : runVerb(ctx, deps, "up", name);
  });
  slash.command("stop", (ctx) => runVerb(ctx, deps, "down", commandArgs(ctx)[0]));
  slash.command("start", (ctx) =>
    say(
      ctx,
      lines(
        rich("Hi! I run private dev containers on this host."),
        rich(
          "Ask me in plain words (",
          code("a container with git and fish called dev"),
          ") or use commands:",
        ),
        rich(
          code("/new dev git fish"),
          " creates one, ",
          code("/list"),
          " shows yours, ",
          code("/help"),
          " lists everything.",
        ),
        rich("Each container keeps a persistent ", code("/workspace"), "."),
      ),
    ),
  );
  slash.command("help", (ctx) =>
    say(
      ctx,
      lines(
        bold("Commands"),
        ...(ctx.actor.role === "admin" ? ADMIN_COMMANDS : USER_COMMANDS).map((c) =>
          rich(`/${c.command} — ${c.description}`),
        ),
      ),
    ),
  );
  slash.command("list", (ctx) => showList(ctx, deps));
  slash.command("new", async (ctx) => {
    const [name, ...words] = commandArgs(ctx);
    // "/new dev git for 3d": a lifetime, after which it goes to the trash (warned before).
    const forAt = words.indexOf("for");
    const ttlMs = forAt >= 0 ? parseDuration(words[forAt + 1] ?? "") : undefined;
    if (forAt >= 0 && ttlMs === undefined)
      return say(ctx, rich("How long? For example ", code("/new dev git for 3d"), "."));
    const modules = forAt >= 0 ? words.filter((_, i) => i !== forAt && i !== forAt + 1) : words;
    if (!name)
      return say(
        ctx,
        rich(
          "Give it a name: ",
          code("/new dev"),
          " (then pick modules) or ",
          code("/new dev git fish"),
          ".",
        ),
      );
    // The name first: a picker for a name that cannot be created only fails later, and a long
    // one would not even fit the buttons' 64 bytes of callback data.
    const named = containerName.safeParse(name);
    if (!named.success)
      return say(ctx, rich(named.error.issues[0]?.message ?? "That name cannot be used."));
    // The picker's buttons have no room for a lifetime (64 bytes of callback data).
    if (modules.length === 0 && ttlMs !== undefined)
      return say(ctx, rich("Name its modules too: ", code(`/new ${named.data} git for 3d`), "."));
    if (modules.length === 0) {
      // A picker for a name that is taken, or a user at their limit, would only fail later.
      w.checkCreate(ctx.actor, { name: named.data });
      return offerModules(ctx, deps, named.data);
    }
    return startCreate(ctx, deps, named.data, modules, ttlMs);
  });
  for (const verb of CONTAINER_VERBS)
    slash.command(verb, (ctx) => runVerb(ctx, deps, verb, commandArgs(ctx)[0]));
  slash.command("usage", async (ctx) => {
    if (commandArgs(ctx)[0] === "all") {
      // Everyone's figures: for an admin, and only where nobody else reads along.
      if (ctx.actor.role !== "admin" || ctx.chat?.type !== "private")
        return say(ctx, rich("Only an admin, in a private chat with me, sees everyone's usage."));
      const all = await w.usageOverview(ctx.actor);
      return say(ctx, lines(...all.map((u) => rich("• ", overviewLine(u)))));
    }
    const u = await w.usage(ctx.actor);
    await say(
      ctx,
      lines(
        rich(
          bold(formatSize(u.usedBytes)),
          " used",
          u.quotaBytes ? ` of ${formatSize(u.quotaBytes)}` : "",
          u.availableBytes !== undefined ? `, ${formatSize(u.availableBytes)} free` : "",
        ),
        rich("Running: ", computeText(u)),
        rich(cpuHistoryText(u)),
        ...u.containers.map((c) =>
          rich(
            "• ",
            c.name,
            " ",
            formatSize(c.bytes),
            c.resources ? `, ${resourcesText(c.resources, Date.now())}` : "",
          ),
        ),
        ...u.trash.map((t) => rich("• trash ", t.id, " ", formatSize(t.bytes))),
      ),
    );
  });
  slash.command("trash", async (ctx) => {
    const entries = w.trash(ctx.actor);
    if (entries.length === 0) return say(ctx, rich("Your trash is empty."));
    await say(
      ctx,
      lines(
        bold("Trash"),
        ...entries.map((e) =>
          rich(
            code(e.id),
            ` (${e.containerName}, kept until ${new Date(e.expiresAtMs).toISOString().slice(0, 10)})`,
          ),
        ),
        rich(
          "Restore with ",
          code("/restore ID"),
          " (or ",
          code("/restore ID NAME"),
          " under another name).",
        ),
      ),
    );
  });
  slash.command("restore", async (ctx) => {
    const [id, name] = commandArgs(ctx);
    if (id) return startRestore(ctx, deps, id, name);
    const entries = w.trash(ctx.actor);
    if (entries.length === 0) return say(ctx, rich("Your trash is empty."));
    await say(
      ctx,
      lines(
        rich("Which workspace should come back? Each returns under its old name; "),
        rich(code("/restore ID NAME"), " gives it another."),
      ),
      trashKeyboard(entries.slice(0, RESTORE_PICKER_SIZE)),
    );
  });
  for (const pinned of [true, false])
    slash.command(pinned ? "pin" : "unpin", async (ctx) => {
      const [name] = commandArgs(ctx);
      if (!name) return say(ctx, rich("Usage: ", code(`/${pinned ? "pin" : "unpin"} NAME`), "."));
      w.pin(ctx.actor, { name }, pinned);
      await say(
        ctx,
        pinned
          ? rich(bold(name), " is pinned: it is never stopped for being idle.")
          : rich(bold(name), " is stopped again when nobody uses it for a while."),
      );
    });
  slash.use(snapshotCommands(deps));
  slash.use(changeCommands(deps));
  slash.command("idle", async (ctx) => {
    const [name, period] = commandArgs(ctx);
    const usage = () =>
      say(
        ctx,
        rich(
          "Usage: ",
          code("/idle NAME"),
          " shows when it is stopped; ",
          code("/idle NAME 12h"),
          ", ",
          code("never"),
          " or ",
          code("default"),
          " changes it.",
        ),
      );
    if (!name) return usage();
    const parsed = period === undefined ? undefined : parseIdlePeriod(period);
    if (parsed === null) return usage();
    const policy = parsed
      ? w.setIdlePeriod(ctx.actor, { name }, parsed.ms)
      : w.idlePolicy(ctx.actor, { name });
    await say(ctx, rich(idlePolicyText(policy, Date.now())));
  });
  slash.command("notify", async (ctx) => {
    const [choice] = commandArgs(ctx);
    if (choice === "on" || choice === "off") w.notifications.mute(ctx.actor, choice === "off");
    else if (choice !== undefined)
      return say(ctx, rich("Usage: ", code("/notify on"), " or ", code("/notify off"), "."));
    await say(
      ctx,
      w.notifications.muted(ctx.actor)
        ? rich("I tell you nothing unasked. ", code("/notify on"), " brings it back.")
        : rich(
            "I tell you when a container of yours stops on its own or keeps restarting, an admin acts on one, your storage is nearly full, or trash is about to be deleted. ",
            code("/notify off"),
            " mutes that.",
          ),
    );
  });
  slash.command("reset", async (ctx) => {
    w.conversation.reset(ctx.actor);
    await say(ctx, rich("Done: I forgot our conversation."));
  });

  // Admin commands show everyone's containers, users and audit: never in a group, where every
  // member would read the answer.
  const admin = slash.filter((ctx) => ctx.actor.role === "admin" && ctx.chat?.type === "private");
  admin.command("all", (ctx) => showList(ctx, deps, true));
  admin.command("users", async (ctx) => {
    const users = w.users(ctx.actor);
    await say(
      ctx,
      lines(
        bold("Users"),
        ...users.map((u) =>
          rich(code(u.id), ` ${u.role} (${u.source}${u.approvedBy ? ` by ${u.approvedBy}` : ""})`),
        ),
      ),
    );
  });
  admin.command("audit", async (ctx) => {
    const [about] = commandArgs(ctx);
    const entries = w.audit(ctx.actor, {
      ...(about === undefined
        ? {}
        : /^\d+$/.test(about)
          ? { userId: Number(about) }
          : { target: about }),
      limit: AUDIT_IN_CHAT,
    });
    if (entries.length === 0)
      return say(ctx, rich("No audit entries", about ? ` for ${about}` : "", "."));
    await say(
      ctx,
      lines(
        bold(`Audit${about ? ` of ${about}` : ""}, newest last`),
        ...entries.map((e) => {
          const detail = e.outcome === "ok" ? "" : auditDetailText(e, 80);
          return rich(
            code(new Date(e.atMs).toISOString().slice(5, 16).replace("T", " ")),
            ` ${e.actor} `,
            bold(e.action),
            `${e.target ? ` ${e.target}` : ""} ${OUTCOME_MARK[e.outcome]}${detail ? ` ${detail}` : ""}`,
          );
        }),
        rich("The admin CLI has them all: ", code("voxnix audit --help"), "."),
      ),
    );
  });
  admin.command("doctor", async (ctx) => {
    const report = await w.doctor(ctx.actor);
    await say(
      ctx,
      lines(
        bold("Doctor"),
        ...report.checks.map((c) => rich(c.ok ? "✅ " : "❌ ", c.name, ": ", c.detail)),
        ...report.repaired.map((r) => rich("🔧 ", r)),
        ...report.inProgress.map((r) => rich("⏳ ", r)),
        ...report.reported.map((r) => rich("⚠️ ", r)),
        ...report.failed.map((r) => rich("❌ ", r)),
      ),
    );
  });
  return composer;
}
