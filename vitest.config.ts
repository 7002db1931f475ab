import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    // Host and bot tests start real processes (fake tools, the daemon); give them room on a
    // 2-core CI machine without letting a hung one stall the run.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
  },
});
