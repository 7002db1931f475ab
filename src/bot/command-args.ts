import type { BotContext } from "./context.js";

/** A command's words after its name: "/new dev git, node" → ["dev", "git", "node"]. */
export const commandArgs = (ctx: BotContext) =>
  (typeof ctx.match === "string" ? ctx.match : "").split(/[\s,]+/).filter(Boolean);
