// `npm run bench [-- NAME…]`: the four measurements of issue 6, each against a baseline run in this same
// process tree, printed as one table. Not part of the test run; docs/performance.md records them.
import { execa } from "execa";
import { benchBotOverhead } from "./bot-overhead.js";
import { benchBuildConcurrency } from "./build-concurrency.js";
import { benchEgressProxy } from "./egress-proxy.js";
import { benchHostCalls } from "./host-calls.js";
import { benchLlmBudget } from "./llm-budget.js";
import { benchRoundTrips } from "./round-trips.js";
import { benchNixEval } from "./nix-eval.js";
import { REPO_ROOT } from "./fixtures.js";
import { benchStartup } from "./startup.js";

type Row = {
  measure: string;
  voxnix: string;
  baseline: string;
  ratio: number | string;
  target: string;
};

// The daemon is measured as the appliance runs it: compiled, under plain node.
process.stderr.write("building dist/…\n");
await execa("npm", ["run", "build", "--silent"], { cwd: REPO_ROOT });

// `npm run bench -- startup llm` runs only the measurements whose names contain those words.
const only = process.argv.slice(2);
const rows: Row[] = [];
for (const [name, bench] of [
  ["bot overhead", () => benchBotOverhead()],
  ["start-up and memory", () => benchStartup()],
  ["build concurrency", () => benchBuildConcurrency()],
  ["LLM budget", () => benchLlmBudget()],
  ["LLM round trips", () => benchRoundTrips()],
  ["nix evaluation", () => benchNixEval()],
  ["egress proxy", () => benchEgressProxy()],
  ["host calls", () => benchHostCalls()],
] as const) {
  if (only.length > 0 && !only.some((word) => name.toLowerCase().includes(word.toLowerCase())))
    continue;
  process.stderr.write(`running ${name}…\n`);
  rows.push(...(await bench()));
}

const columns = ["measure", "voxnix", "baseline", "ratio", "target"] as const;
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
const line = (cells: readonly string[]) =>
  `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
console.log(line(columns));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of rows) console.log(line(columns.map((c) => String(row[c]))));
process.exit(0);
