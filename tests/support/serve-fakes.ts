import { onTestFinished } from "vitest";
import { startBotApiServer } from "../fakes/bot-api-server.js";
import { createFakeHost } from "../fakes/fake-host.js";
import { startLlmServer } from "../fakes/llm-server.js";

/** What a real `voxnix serve` process talks to: Bot API, model and host, closed after the test. */
export async function startServeFakes() {
  const [api, llm, host] = await Promise.all([
    startBotApiServer(),
    startLlmServer(),
    createFakeHost(),
  ]);
  onTestFinished(async () => {
    await Promise.all([api.close(), llm.close(), host.cleanup()]);
  });
  return { api, llm, host };
}
