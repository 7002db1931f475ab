import type { ModelMessage } from "ai";
import { describe, expect, it } from "vitest";
import { boundForHistory } from "../../../src/agent/bounds.js";
import { tenantTextIn } from "../../../src/agent/tools.js";

const call = (toolName: string, input: unknown): ModelMessage => ({
  role: "assistant",
  content: [{ type: "tool-call", toolCallId: "c1", toolName, input }],
});
const result = (toolName: string): ModelMessage => ({
  role: "tool",
  content: [
    { type: "tool-result", toolCallId: "c1", toolName, output: { type: "text", value: "{}" } },
  ],
});

describe("tenantTextIn", () => {
  it("finds a lookup of logs, info or the host's health in the history", () => {
    for (const what of ["logs", "info", "doctor"])
      expect(tenantTextIn([call("show", { what, name: "dev" }), result("show")])).toBe(true);
  });

  it("finds nothing in lookups that carry no tenant text, or in other tools", () => {
    const history = [
      call("show", { what: "containers" }),
      result("show"),
      call("power", { name: "dev", action: "stop" }),
      result("power"),
    ];
    expect(tenantTextIn(history)).toBe(false);
  });

  it("still finds the tools those lookups were, in history kept from before", () => {
    expect(tenantTextIn([call("container_logs", { name: "dev" }), result("container_logs")])).toBe(
      true,
    );
  });
});

describe("boundForHistory", () => {
  it("keeps a reply that is only text as a string, and tool calls as parts", () => {
    const kept = boundForHistory([
      { role: "user", content: "hi" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Hello " },
          { type: "text", text: "there" },
        ],
      },
      call("show", { what: "containers" }),
    ]);
    expect(kept[1]).toEqual({ role: "assistant", content: "Hello there" });
    expect(kept[2]).toEqual(call("show", { what: "containers" }));
  });
});
