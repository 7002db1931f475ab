import { createInterface } from "node:readline";
import { collectEffects, createConfiguredAgent } from "../agent/index.js";
import { loadConfig, secretValues } from "../config.js";
import { isVoxnixError } from "../errors.js";
import { createLogger, withOperation } from "../log.js";
import { createRuntime } from "../runtime.js";
import type { Actor } from "../workloads/index.js";
import { Refusal } from "../workloads/index.js";

/**
 * `voxnix chat --as USER`: the agent in the terminal, for debugging on the host and for trying
 * voxnix without a bot. Same access rules as Telegram (USER must have access), same tools;
 * destroys are confirmed by typing the container's name.
 */
export async function chat(
  env: NodeJS.ProcessEnv,
  userId: number,
  io = { input: process.stdin, output: process.stdout },
) {
  const config = loadConfig(env, { purpose: "admin" });
  const log = createLogger({
    level: config.log.level === "info" ? "warn" : config.log.level,
    secrets: secretValues(config),
    destination: { write: (l: string) => void process.stderr.write(l) },
  });
  const runtime = await createRuntime(config, log, env);
  const print = (text: string) => io.output.write(`${text}\n`);
  try {
    const { workloads } = runtime;
    const role = workloads.accessOf(userId);
    if (!role)
      throw new Refusal(
        "not-allowed",
        `${userId} has no access (the same rules as Telegram apply: voxnix users add ${userId}).`,
      );
    const actor: Actor = { userId, role, via: "cli" };
    const agent = createConfiguredAgent(config, workloads, log);
    const lines = createInterface({ input: io.input, terminal: false })[Symbol.asyncIterator]();
    const ask = async (question: string) => {
      io.output.write(question);
      const next = await lines.next();
      return next.done ? undefined : String(next.value).trim();
    };
    print(
      `voxnix chat as ${userId} (${role}). /reset forgets the conversation, /quit or Ctrl-D leaves.`,
    );
    for (;;) {
      const text = await ask("you> ");
      if (text === undefined || text === "/quit") break;
      if (text === "") continue;
      if (text === "/reset") {
        workloads.conversation.reset(actor);
        print("voxnix> Done: I forgot our conversation.");
        continue;
      }
      await withOperation(async () => {
        const { effects, confirmations, admitted, powerOutcomes, releaseAll } = collectEffects();
        try {
          const answer = await agent.turn(actor, text, effects);
          if (answer) print(`voxnix> ${answer}`);
          for (const outcome of powerOutcomes) {
            const result = await outcome;
            print(`  ${result.name} is ${result.state}`);
          }
          const progress = { onProgress: (step: string) => print(`  … ${step}`) };
          for (const { admission } of admitted) {
            const result = await admission.run(progress);
            print(
              `  ${result.name} is ${result.state}${result.problem ? `: ${result.problem}` : ""}`,
            );
          }
          for (const request of confirmations) {
            const typed = await ask(`  Destroy ${request.target}? Type its name to confirm: `);
            if (typed === request.target) {
              const result = await workloads.confirmDestroy(actor, request.id);
              print(
                `  ${result.name} destroyed${result.trashId ? `; workspace in trash as ${result.trashId}` : ""}`,
              );
            } else {
              workloads.cancel(actor, request.id);
              print(`  kept ${request.target}`);
            }
          }
        } catch (error) {
          releaseAll();
          print(
            `voxnix> ${isVoxnixError(error) ? error.userMessage : "Something went wrong; see the log above."}`,
          );
          if (!isVoxnixError(error)) log.error({ err: error }, "chat turn failed");
        }
      });
    }
  } finally {
    runtime.close();
  }
}
