import { describe, expect, it } from "vitest";
import { inCliTerms } from "../../../src/cli/chat-to-cli.js";

describe("inCliTerms", () => {
  it("turns the chat commands a message points to into the CLI's verbs", () => {
    expect(inCliTerms('You have no container named "x". /list shows yours.')).toBe(
      'You have no container named "x". voxnix ls shows yours.',
    );
    expect(inCliTerms("nothing of it is left. /new dev tries again.")).toBe(
      "nothing of it is left. voxnix create dev tries again.",
    );
    expect(inCliTerms("/logs dev shows why, /up dev tries again")).toBe(
      "voxnix logs dev shows why, voxnix start dev tries again",
    );
    expect(inCliTerms("which trash entry? (/trash lists them)")).toBe(
      "which trash entry? (voxnix trash ls lists them)",
    );
  });

  it("leaves paths and unknown words alone", () => {
    const text = "Its /workspace stays; see /var/lib/voxnix and a/list and /listing.";
    expect(inCliTerms(text)).toBe(text);
  });
});
