import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Builds the daemon's bundle once; every voxnix process a test starts runs it. Temporary
    // files on a tmpfs where there is one (temp-root.ts).
    globalSetup: ["./tests/support/temp-root.ts", "./tests/support/bundle.ts"],
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    // Host and bot tests start real processes (fake tools, the daemon); give them room on a
    // 2-core CI machine without letting a hung one stall the run.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
    // A worker runs file after file with its module cache kept: importing the daemon's modules
    // again for each of ~100 files was a third of the suite's user time (measured: 503 s → 386 s
    // of CPU). Tests share no module state: no mocks, fresh stores, hosts and ports per test.
    isolate: false,
    // Most tests wait on other processes (the daemon, fake tools, timers) rather than compute,
    // so three workers finish in about half the time of the one a 2-core machine gets by default.
    maxWorkers: 3,
  },
});
