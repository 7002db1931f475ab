import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { assertNoSecretsIn } from "./secrets.js";

/** A fresh directory, scanned for leaked secrets and removed when the current test finishes. */
export function tempDir(prefix = "voxnix-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => {
    try {
      assertNoSecretsIn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return dir;
}
