#!/usr/bin/env node
import { Command } from "commander";
import { registerAdminCommands, UsageError } from "./cli/admin-commands.js";
import { configCheck } from "./cli/config-check.js";
import { EXIT } from "./cli/exit-codes.js";
import { ConfigError, readDotEnv } from "./config.js";
import { isVoxnixError } from "./errors.js";
import { Refusal } from "./workloads/index.js";

const program = new Command()
  .name("voxnix")
  .description("A private dev-container host for NixOS, run from Telegram.")
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

program
  .command("serve")
  .description("run the daemon (reads the environment; see `voxnix config check`)")
  // Loaded on demand, like chat: admin verbs need neither grammY nor the AI SDK.
  .action(async () => (await import("./cli/serve.js")).serve(process.env));

program
  .command("config")
  .description("inspect the configuration")
  .command("check")
  .description("print the effective configuration with secrets masked, and every problem")
  .action(() => configCheck(process.env, (line) => process.stdout.write(`${line}\n`)));

program
  .command("chat")
  .description("talk to the agent in the terminal, as a Telegram user would")
  .requiredOption("--as <user>", "the Telegram user id to act as (must have access)", (v) =>
    Number(v),
  )
  .action(async (opts: { as: number }) =>
    (await import("./cli/chat.js")).chat(process.env, opts.as),
  );

registerAdminCommands(program);

readDotEnv();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFatal(error);
}

/** One clear message on stderr; the exit code says which kind of failure it was. */
function reportFatal(error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(`voxnix: ${error.message}\n`);
    return EXIT.config;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`voxnix: ${error.message}\n`);
    return EXIT.usage;
  }
  // A refusal is an answer, not a fault: say what to do, as the bot would.
  if (error instanceof Refusal) {
    process.stderr.write(`voxnix: ${error.userMessage}\n`);
    return error.reason === "busy" ? EXIT.tempfail : EXIT.failure;
  }
  // The CLI user is the admin: facts (already free of secrets) help more than an apology.
  const text = isVoxnixError(error) ? error.message : String((error as Error)?.stack ?? error);
  process.stderr.write(`voxnix: ${text}\n`);
  return EXIT.failure;
}
