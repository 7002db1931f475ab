import { execa } from "execa";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import type { BotApiServer } from "../fakes/bot-api-server.js";
import type { LlmRequest } from "../fakes/llm-server.js";
import { startOtlpReceiver, type ReceivedSpan } from "../fakes/otlp-receiver.js";
import { TEST_SECRETS } from "../support/secrets.js";
import { startServeFakes } from "../support/serve-fakes.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv } from "../support/voxnix-process.js";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const RECORD_IMPORTS = fileURLToPath(new URL("../support/record-imports.mjs", import.meta.url));
const ALICE = 1001;
/** Only in the message: no span may repeat it, nor any part of it. */
const WORDS = "make me a box called dev with git, my codeword is zebra-quartz-417";

/** The real `voxnix serve` over the Bot API emulator, the scripted LLM and a fake host. */
async function serve(extra: Record<string, string>) {
  const { api, llm, host } = await startServeFakes();
  const imports = join(tempDir("voxnix-imports-"), "imports.txt");
  const daemon = execa(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), "--import", RECORD_IMPORTS, MAIN, "serve"],
    {
      cwd: tempDir(),
      env: fakeHostEnv(host, {
        TELEGRAM_BOT_TOKEN: api.token,
        TELEGRAM_API_ROOT: api.url,
        LLM_BASE_URL: llm.url,
        LLM_API_KEY: TEST_SECRETS.llmKey,
        VOXNIX_TEST_IMPORTS: imports,
        ...extra,
      }),
      extendEnv: false,
      reject: false,
    },
  );
  onTestFinished(() => void daemon.kill("SIGKILL"));
  /** SIGTERM, as systemd stops it; resolves with the @opentelemetry modules it had loaded. */
  const stop = async () => {
    daemon.kill("SIGTERM");
    const result = await daemon;
    expect(result.exitCode).toBe(0);
    return existsSync(imports) ? readFileSync(imports, "utf8") : "";
  };
  return { api, llm, stop };
}

const sayHelp = async (api: BotApiServer) => {
  api.sendText(ALICE, "/help");
  await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"), 15_000);
};

/** SDK packages: any of them in a daemon without an endpoint would be start-up cost for nothing. */
const SDK = /@opentelemetry\/(sdk-|exporter-|otlp-|resources|context-async-hooks|core\/)/;

describe("tracing in voxnix serve (a real process)", () => {
  it("sends an update's trace: update, agent turn, tool, workloads and host command spans, ids only", async () => {
    const receiver = await startOtlpReceiver();
    onTestFinished(() => receiver.close());
    const { api, llm, stop } = await serve({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: "50",
    });
    llm.script((request: LlmRequest) =>
      request.messages.at(-1)?.role === "tool"
        ? { text: "Creating dev, zebra-quartz-417." }
        : { toolCalls: [{ name: "create_container", args: { name: "dev", modules: ["git"] } }] },
    );
    api.sendText(ALICE, WORDS);
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running"), 20_000);

    const run = await receiver.waitForSpan((s) => s.name === "workloads admitCreate run");
    const update = await receiver.waitForSpan(
      (s) => s.name === "telegram update" && s.traceId === run.traceId,
    );
    const trace = receiver.spans().filter((s) => s.traceId === run.traceId);
    const named = (name: string) => trace.find((s) => s.name === name) as ReceivedSpan;
    const turn = named("agent turn");
    const tool = named("tool create_container");
    const admit = named("workloads admitCreate");

    expect(update.parentSpanId).toBe("");
    expect(update.attributes).toMatchObject({
      "voxnix.user": ALICE,
      "telegram.update_type": "message",
    });
    expect(update.attributes["telegram.update_id"]).toEqual(expect.any(Number));
    expect(update.attributes["voxnix.operation"]).toMatch(/^[0-9a-f]{8}$/);
    expect(update.resource).toMatchObject({ "service.name": "voxnix" });

    expect(turn.attributes).toMatchObject({
      "voxnix.user": ALICE,
      "gen_ai.request.model": "openai/gpt-4o-mini",
    });
    expect(tool.parentSpanId).toBe(turn.spanId);
    expect(tool.attributes).toEqual({ "voxnix.tool": "create_container" });
    expect(admit.parentSpanId).toBe(tool.spanId);
    expect(admit.attributes).toEqual({ "voxnix.user": ALICE, "voxnix.container": "dev" });
    expect(run.attributes).toEqual({ "voxnix.user": ALICE, "voxnix.container": "dev" });
    // The turn's ancestors lead to the update: the trace is the update's.
    const ancestors = (span: ReceivedSpan): string[] => {
      const parent = trace.find((s) => s.spanId === span.parentSpanId);
      return parent ? [parent.name, ...ancestors(parent)] : [];
    };
    expect(ancestors(turn).at(-1)).toBe("telegram update");
    expect(ancestors(run).at(-1)).toBe("telegram update");

    const hostSpans = trace.filter(
      (s) => s.parentSpanId === run.spanId && s.name.startsWith("host "),
    );
    expect(hostSpans.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        "host zfs create",
        "host nix-build --out-link",
        "host nixos-container start",
      ]),
    );
    expect(hostSpans.find((s) => s.name === "host nixos-container start")?.attributes).toEqual({
      "voxnix.command": "nixos-container",
      "voxnix.command.verb": "start",
      "voxnix.command.exit_code": 0,
    });

    await stop();
    const everything = receiver.bodies().join("\n");
    for (const secret of [api.token, TEST_SECRETS.llmKey]) expect(everything).not.toContain(secret);
    expect(everything).not.toContain(WORDS);
    expect(everything).not.toContain("zebra-quartz");
  });

  it("loads none of the SDK without OTEL_EXPORTER_OTLP_ENDPOINT, and does with it", async () => {
    const plain = await serve({});
    await sayHelp(plain.api);
    const withoutEndpoint = await plain.stop();
    // The recorder saw OpenTelemetry (the API, which voxnix and the AI SDK import), so its
    // silence about the SDK means something.
    expect(withoutEndpoint).toContain("/@opentelemetry/api/");
    expect(withoutEndpoint.split("\n").filter((line) => SDK.test(line))).toEqual([]);

    const receiver = await startOtlpReceiver();
    onTestFinished(() => receiver.close());
    const traced = await serve({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    await sayHelp(traced.api);
    const withEndpoint = await traced.stop();
    expect(withEndpoint).toMatch(/@opentelemetry\/sdk-trace-node\//);
    expect(withEndpoint).toMatch(/@opentelemetry\/exporter-trace-otlp-http\//);
  });
});
