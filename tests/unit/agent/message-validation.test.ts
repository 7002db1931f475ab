import { expect, test } from "vitest";
import { warmMessageValidation } from "../../../src/agent/message-validation.js";

// What the warm-up saves is measured by bench/bot-overhead.ts; what can break is the message it
// parses: if the SDK's message schema stopped accepting it, it would warm nothing, silently.
test("the warm-up message is a valid model message, so it reaches the provider-options schema", () => {
  expect(warmMessageValidation()).toBe(true);
});
