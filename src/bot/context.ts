import type { Context } from "grammy";
import type { Actor } from "../workloads/index.js";

/** Set by the access gate from `ctx.from.id`: the only identity the bot acts on. */
export interface ActorFlavor {
  actor: Actor;
}

export type BotContext = Context & ActorFlavor;
