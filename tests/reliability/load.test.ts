import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { startBotHarness } from "../support/bot-harness.js";

const CHATS = 100;
const MESSAGES = 10;
const FIRST_USER = 10_000;

/** Heap in use after a full collection: what the daemon actually retains. */
function retainedHeap(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed;
}

describe("load", () => {
  it(`answers ${CHATS} chats × ${MESSAGES} messages, each reply in its own chat and in order`, async () => {
    const users = Array.from({ length: CHATS }, (_, i) => FIRST_USER + i);
    const { api, llm } = await startBotHarness({ env: { VOXNIX_USERS: users.join(",") } });
    // The model echoes the message it was given, so a reply in the wrong chat would show.
    llm.script((request) => ({ text: `echo: ${String(request.messages.at(-1)?.content)}` }));
    const heapBefore = retainedHeap();

    for (let n = 0; n < MESSAGES; n++)
      for (const user of users) api.sendText(user, `from ${user} #${n}`);
    for (const user of users) {
      await api.waitFor(user, () => api.messages(user).length >= MESSAGES, 60_000);
    }

    for (const user of users) {
      expect(api.messages(user).map((m) => m.text)).toEqual(
        Array.from({ length: MESSAGES }, (_, n) => `echo: from ${user} #${n}`),
      );
    }
    expect(llm.requests()).toHaveLength(CHATS * MESSAGES);
    // Bounded memory: history is trimmed per user (in SQLite) and per-chat queues are freed as
    // they drain, so what stays on the heap is far below what 1000 exchanges passed through it.
    expect(retainedHeap() - heapBefore).toBeLessThan(48 * 1024 * 1024);
  }, 120_000);
});
