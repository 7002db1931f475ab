import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { inSpan, startTracing } from "../../src/tracing.js";
import { captureLog } from "../support/capture-log.js";
import { tracingToReceiver } from "../support/tracing.js";

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

describe("startTracing", () => {
  it("sends spans as OTLP/HTTP JSON to the endpoint's /v1/traces as service voxnix, all of them on stop", async () => {
    const { receiver, stop, logs } = await tracingToReceiver();
    inSpan("outer", { "voxnix.user": 1001 }, () => inSpan("inner", {}, () => undefined));
    await stop();

    const [inner, outer] = receiver.spans();
    expect(outer).toMatchObject({ name: "outer", parentSpanId: "", statusCode: 0 });
    expect(outer?.attributes).toEqual({ "voxnix.user": 1001 });
    expect(outer?.resource).toMatchObject({ "service.name": "voxnix", "service.version": VERSION });
    expect(inner).toMatchObject({ name: "inner", traceId: outer?.traceId });
    expect(inner?.parentSpanId).toBe(outer?.spanId);
    expect(receiver.contentTypes()).toEqual(["application/json"]);
    expect(logs.lines().join("\n")).toContain("exporting traces over OTLP");
  });

  it("loads nothing and returns a stop that does nothing without an endpoint", async () => {
    const config = loadConfig({ VOXNIX_ADMINS: "1" }, { purpose: "admin" });
    const logs = captureLog();
    const stop = await startTracing(config, logs.log);
    expect(inSpan("unexported", {}, () => "ran")).toBe("ran");
    await stop();
    expect(logs.lines()).toEqual([]);
  });
});

describe("inSpan", () => {
  it("keeps a synchronous function synchronous", async () => {
    const { receiver, stop } = await tracingToReceiver();
    const result = inSpan("sync", {}, () => ({ claimed: "dev" }));
    expect(result).toEqual({ claimed: "dev" });
    await stop();
    expect(receiver.spans().map((s) => s.name)).toEqual(["sync"]);
  });

  it("ends an async function's span when its promise settles, children nested across awaits", async () => {
    const { receiver, stop } = await tracingToReceiver();
    const result = await inSpan("async", {}, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return inSpan("after await", {}, async () => 7);
    });
    expect(result).toBe(7);
    await stop();
    const child = receiver.spans().find((s) => s.name === "after await");
    const parent = receiver.spans().find((s) => s.name === "async");
    expect(child?.parentSpanId).toBe(parent?.spanId);
  });

  it("sets error status and records the error's type, never its message, for a throw and a rejection", async () => {
    const { receiver, stop } = await tracingToReceiver();
    const secretish = "stderr: token 123456:TEST-bot-token in a message";
    expect(() =>
      inSpan("throws", {}, () => {
        throw new TypeError(secretish);
      }),
    ).toThrow(secretish);
    await expect(
      inSpan("rejects", {}, async () => {
        throw new RangeError(secretish);
      }),
    ).rejects.toThrow(secretish);
    await stop();

    const byName = Object.fromEntries(receiver.spans().map((s) => [s.name, s]));
    expect(byName.throws?.statusCode).toBe(2);
    expect(byName.throws?.events).toEqual([
      { name: "exception", attributes: { "exception.type": "TypeError" } },
    ]);
    expect(byName.rejects?.statusCode).toBe(2);
    expect(byName.rejects?.events[0]?.attributes).toEqual({ "exception.type": "RangeError" });
    expect(receiver.bodies().join("")).not.toContain("TEST-bot-token");
  });

  it("leaves out attributes whose value is undefined", async () => {
    const { receiver, stop } = await tracingToReceiver();
    inSpan("partial", { "voxnix.user": 1001, "voxnix.container": undefined }, () => {});
    await stop();
    expect(receiver.spans()[0]?.attributes).toEqual({ "voxnix.user": 1001 });
  });
});
