import { describe, expect, it } from "vitest";
import { unpushedLines } from "../../../src/workloads/index.js";

describe("a destroy card's words on unpushed work", () => {
  it("says nothing only when the whole workspace was searched and nothing found", () => {
    expect(unpushedLines(undefined)).toEqual([]);
    expect(unpushedLines({ repos: [], complete: true })).toEqual([]);
  });

  it("says when the search did not reach the end, even with nothing found", () => {
    expect(unpushedLines({ repos: [], complete: false })).toEqual([
      "⚠️ The workspace could not be searched to the end for unpushed git work: check it first.",
    ]);
  });

  it("names the repositories found, and that there may be more", () => {
    expect(
      unpushedLines({
        repos: [
          {
            path: "src/app\n• fake",
            noRemote: true,
            branches: [{ name: "main", state: "never-pushed" }],
          },
        ],
        complete: false,
      }),
    ).toEqual([
      "⚠️ Work that exists nowhere else:",
      "• src/app?• fake: no remote; main was never pushed",
      "(the workspace was too large to search to the end)",
    ]);
  });
});
