// `dir` storage scans the tenants' own trees: whatever a tenant plants there, a scan ends.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dirStorage } from "../../src/host/dir-storage.js";
import { tempDir } from "../support/temp-dir.js";

describe("dir storage", () => {
  it("counts a workspace with symlink loops once, without following them", async () => {
    const storage = dirStorage(tempDir("voxnix-dir-"));
    const workspace = await storage.createWorkspace(1001, "dev");
    writeFileSync(join(workspace, "notes"), "x".repeat(1000));
    symlinkSync(".", join(workspace, "a"));
    symlinkSync(".", join(workspace, "b"));
    symlinkSync("/", join(workspace, "root"));
    const started = performance.now();
    const used = (await storage.scan()).get(1001)?.workspaces.get("dev") ?? 0;
    // The file, and three links counted as the links they are.
    expect(used).toBeGreaterThanOrEqual(1000);
    expect(used).toBeLessThan(1000 + 3 * 4096);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("stops counting past its entry budget and answers with a lower bound", async () => {
    const root = tempDir("voxnix-dir-");
    const workspace = await dirStorage(root).createWorkspace(1001, "dev");
    for (let i = 0; i < 100; i++) {
      mkdirSync(join(workspace, `d${i}`));
      writeFileSync(join(workspace, `d${i}`, "f"), "x".repeat(100));
    }
    const full = (await dirStorage(root).scan()).get(1001)?.workspaces.get("dev") ?? 0;
    expect(full).toBeGreaterThanOrEqual(100 * 100);
    const bounded = (await dirStorage(root, { entries: 20, ms: 60_000 }).scan())
      .get(1001)
      ?.workspaces.get("dev");
    expect(bounded).toBeLessThan(20 * 100 + 20 * 4096);
    expect(bounded).toBeLessThan(full);
  });
});
