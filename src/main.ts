#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { registerAdminCommands } from "./cli/admin-commands.js";
import { positiveInt } from "./cli/arguments.js";
import { inCliTerms } from "./cli/chat-to-cli.js";
import { registerChangeCommand } from "./cli/change-command.js";
import { configCheck } from "./cli/config-check.js";
import { registerSnapshotCommands } from "./cli/snapshot-commands.js";
import { registerSecretCommands } from "./cli/secret-commands.js";
import { EXIT } from "./cli/exit-codes.js";
import { UsageError } from "./cli/verb-runtime.js";
import { ConfigError, readDotEnv } from "./config.js";
import { isVoxnixError } from "./errors.js";
import { Refusal } from "./workloads/index.js";

const program = new Command()
  .name("voxnix")
  .description("A private dev-container host for NixOS, run from Telegram.")
  .version(packageVersion(), "--version", "print the version")
  .showHelpAfterError("(--help shows the usage)")
  // Usage errors come back here as CommanderError, so they exit 64 like every other one.
  .exitOverride()
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
  .requiredOption(
    "--as <user>",
    "the Telegram user id to act as (without access, it can ask the admins)",
    positiveInt("--as"),
  )
  .option("--commands-only", "no language model: the bot's commands and buttons only")
  .action(async (opts: { as: number; commandsOnly?: boolean }) =>
    (await import("./cli/chat.js")).chat(process.env, opts.as, {
      commandsOnly: opts.commandsOnly === true,
    }),
  );

registerAdminCommands(program);
registerSnapshotCommands(program);
registerSecretCommands(program);
registerChangeCommand(program);

readDotEnv();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFatal(error);
}

/** The package's version: package.json sits beside src/ and dist/ alike. */
function packageVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** One clear message on stderr; the exit code says which kind of failure it was. */
function reportFatal(error: unknown): number {
  // commander has printed its own message (or the help, or the version) already.
  if (error instanceof CommanderError)
    return ["commander.helpDisplayed", "commander.version"].includes(error.code)
      ? EXIT.ok
      : EXIT.usage;
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
    process.stderr.write(`voxnix: ${inCliTerms(error.userMessage)}\n`);
    return error.reason === "busy" ? EXIT.tempfail : EXIT.failure;
  }
  // The CLI user is the admin: facts (already free of secrets) help more than an apology.
  const text = isVoxnixError(error) ? error.message : String((error as Error)?.stack ?? error);
  process.stderr.write(`voxnix: ${text}\n`);
  return EXIT.failure;
}
