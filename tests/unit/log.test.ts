import { describe, expect, it } from "vitest";
import { currentOperationId, withOperation } from "../../src/log.js";
import { captureLog } from "../support/capture-log.js";

const TOKEN = "123456789:AAH-bot-token_value";
const KEY = 'sk-or-v1-"quoted"\\key';

describe("createLogger", () => {
  it("masks configured secrets in messages, fields, errors and URLs", () => {
    const { log, lines } = captureLog({ secrets: [TOKEN, KEY] });
    log.info(`calling https://api.telegram.org/bot${TOKEN}/getUpdates`);
    log.warn(
      { url: `/bot${encodeURIComponent(TOKEN)}/x`, nested: { text: `key=${KEY}` } },
      "request",
    );
    log.error({ err: new Error(`401 for bot${TOKEN} with ${KEY}`) }, "failed");
    const output = lines().join("\n");
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(encodeURIComponent(TOKEN));
    expect(output).not.toContain(JSON.stringify(KEY).slice(1, -1));
    expect(output.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(6);
    // The error is still useful: its stack and type survive.
    expect(output).toContain('"type":"Error"');
  });

  it("masks sensitive field names even when the value is not a configured secret", () => {
    const { log, entries } = captureLog();
    log.info(
      { token: "t", request: { headers: { authorization: "Bearer x" } }, deep: { apiKey: "k" } },
      "x",
    );
    const [entry] = entries();
    expect(entry).toMatchObject({ token: "[redacted]", deep: { apiKey: "[redacted]" } });
    expect(JSON.stringify(entry)).not.toContain("Bearer x");
  });

  it("leaves short values alone so ordinary text stays readable", () => {
    const { log, lines } = captureLog({ secrets: ["1"] });
    log.info("container 1 of 10");
    expect(lines()[0]).toContain("container 1 of 10");
  });

  it("tags lines with the operation they belong to, across awaits and child loggers", async () => {
    const { log, entries } = captureLog();
    const child = log.child({ component: "host" });
    await withOperation(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      child.info("inside");
      expect(currentOperationId()).toBe("op-7");
    }, "op-7");
    child.info("outside");
    expect(entries().map((e) => [e.msg, e.op, e.component])).toEqual([
      ["inside", "op-7", "host"],
      ["outside", undefined, "host"],
    ]);
  });

  it("generates short operation ids when none is given", () => {
    const ids = new Set(
      Array.from({ length: 50 }, () => withOperation(() => currentOperationId())),
    );
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}$/);
  });
});
