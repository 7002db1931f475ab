// /secret and /secrets through the real daemon (issue 27): the value's message is deleted once
// read, never echoed, never in the conversation's history or the model's requests; every test
// ends with the harness's scan of logs, chats and host commands, and tempDir's of the state
// directory (the registry holds the value only sealed).
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { ALICE, BOB, startBotHarness, texts } from "../support/bot-harness.js";
import { TEST_SECRETS } from "../support/secrets.js";
import { tempDir } from "../support/temp-dir.js";

const KEY = TEST_SECRETS.upstreamKey;

/** A port nothing listens on now, for the daemon's egress proxy. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function harnessWithSecrets() {
  const keyFile = join(tempDir("voxnix-key-"), "secrets-key");
  writeFileSync(keyFile, `${TEST_SECRETS.secretsKey}\n`, { mode: 0o400 });
  return startBotHarness({
    env: { VOXNIX_SECRETS_KEY_FILE: keyFile, VOXNIX_EGRESS_PORT: String(await freePort()) },
  });
}

describe("/secret", () => {
  it("takes the value from the next message, deletes it, and keeps it from chat, model and history", async () => {
    const h = await harnessWithSecrets();
    const { api, llm } = h;
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));

    api.sendText(ALICE, "/secret add claude anthropic");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Send the value of claude"));
    const valueMessage = api.sendText(ALICE, KEY);
    const stored = await api.waitFor(ALICE, (m) => m.text.startsWith("Stored claude"));
    expect(stored.text).toContain("sent only to api.anthropic.com");
    expect(stored.text).toContain("I deleted your message with the value.");
    expect(api.deleted(ALICE)).toEqual([valueMessage]);

    // The conversation goes on without it: the model's next request has no trace of it.
    api.sendText(ALICE, "what did I just send you?");
    await api.waitFor(ALICE, (m) => m.text === "ok");
    expect(llm.requests()).toHaveLength(1);
    expect(JSON.stringify(llm.requests())).not.toContain(KEY);

    api.sendText(ALICE, "/secret use claude dev");
    await api.waitFor(ALICE, (m) => m.text.startsWith("dev may use claude"));
    const env = readFileSync(join(h.env.VOXNIX_STATE_DIR as string, "egress/dev/env"), "utf8");
    expect(env).toContain("ANTHROPIC_BASE_URL=http://10.100.0.1:");
    expect(env).not.toContain(KEY);

    api.sendText(ALICE, "/secrets");
    const list = await api.waitFor(ALICE, (m) => m.text.startsWith("Secrets"));
    expect(list.text).toBe("Secrets\n• claude anthropic → api.anthropic.com: dev (0 requests)");

    // Bob can neither see nor use it.
    api.sendText(BOB, "/secret use claude dev");
    await api.waitFor(BOB, (m) => m.text.includes("You have no secret named claude"));
    api.sendText(BOB, "/secrets");
    await api.waitFor(BOB, (m) => m.text.startsWith("You have no secrets."));

    api.sendText(ALICE, "/secret rm claude");
    await api.waitFor(ALICE, (m) => m.text === "Removed claude; dev can no longer use it.");
    expect(
      readFileSync(join(h.env.VOXNIX_STATE_DIR as string, "egress/dev/env"), "utf8"),
    ).not.toContain("ANTHROPIC");

    const store = openStore(join(h.env.VOXNIX_STATE_DIR as string, "voxnix.sqlite"));
    try {
      const audit = store.audit.recent({ limit: 100 });
      expect(audit.filter((e) => e.action.startsWith("secret-")).map((e) => e.action)).toEqual([
        "secret-remove",
        "secret-use",
        "secret-use",
        "secret-add",
      ]);
      expect(JSON.stringify(audit)).not.toContain(KEY);
      expect(JSON.stringify(store.chatHistory.load(ALICE))).not.toContain(KEY);
    } finally {
      store.close();
    }
  });

  it("refuses a bad add before asking for any value, and /cancel stores nothing", async () => {
    const { api, llm } = await harnessWithSecrets();
    api.sendText(ALICE, "/secret add Claude anthropic");
    await api.waitFor(ALICE, (m) => m.text.includes("lowercase letters"));
    api.sendText(ALICE, "/secret add mykey");
    await api.waitFor(ALICE, (m) => m.text.includes("Say its kind"));
    api.sendText(ALICE, "/secret add gh bearer");
    await api.waitFor(ALICE, (m) => m.text.includes("needs the host it is for"));

    api.sendText(ALICE, "/secret add gh github");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Send the value of gh"));
    api.sendText(ALICE, "/cancel");
    await api.waitFor(ALICE, (m) => m.text === "No secret stored: I waited for its value.");
    api.sendText(ALICE, "/secrets");
    await api.waitFor(ALICE, (m) => m.text.startsWith("You have no secrets."));
    expect(api.deleted(ALICE)).toEqual([]);
    expect(llm.requests()).toEqual([]);
    expect(texts(api, ALICE).join("\n")).not.toContain(KEY);
  });

  it("turns away a key pasted without /secret add, and one sent after the wait: never to the model", async () => {
    const { api, llm } = await harnessWithSecrets();
    const pasted = api.sendText(ALICE, KEY);
    await api.waitFor(ALICE, (m) => m.text.startsWith("That looks like a key"));
    expect(api.deleted(ALICE)).toEqual([pasted]);
    api.sendText(ALICE, "hello");
    await api.waitFor(ALICE, (m) => m.text === "ok");
    expect(llm.requests()).toHaveLength(1);
    expect(JSON.stringify(llm.requests())).not.toContain(KEY);
    expect(texts(api, ALICE).join("\n")).not.toContain(KEY);
  });

  it("says where secrets are off", async () => {
    const { api } = await startBotHarness();
    api.sendText(ALICE, "/secret add claude anthropic");
    await api.waitFor(ALICE, (m) => m.text.includes("VOXNIX_SECRETS_KEY_FILE"));
  });
});
