import { execa } from "execa";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { startBotApiServer, type BotApiServer } from "../tests/fakes/bot-api-server.js";
import { createFakeHost } from "../tests/fakes/fake-host.js";
import { startLlmServer } from "../tests/fakes/llm-server.js";
import { benchEnv, DAEMON, REPO_ROOT } from "./fixtures.js";
import { percentile, round } from "./stats.js";

/** Users who own a container and keep asking /list while the builds run. */
const LISTERS = [39_998, 39_999];
/** How long a lister waits after an answer before asking again, in ms. */
const PAUSE_MS = 20;
/** How many listings the idle baseline takes. */
const IDLE_LISTINGS = 200;
/** The listers' own module set, built before the measured builds start. */
const LISTER_MODULES = ["git"];

const built = (api: BotApiServer, user: number) =>
  api.messages(user).find((m) => m.text.startsWith("✅") || m.text.startsWith("❌"));

/**
 * `k` module sets none of which is built yet: the non-empty subsets of the library's modules
 * (workspace is in every set; tailscale needs a key), without the listers' set. The fake
 * nix-build takes its delay only for a system not in its store, so each create builds for real.
 */
function unbuiltModuleSets(k: number): string[][] {
  const library = readdirSync(join(REPO_ROOT, "modules"))
    .filter((f) => f.endsWith(".nix"))
    .map((f) => f.slice(0, -4))
    .filter((m) => m !== "workspace" && m !== "tailscale")
    .sort();
  const sets: string[][] = [];
  for (let mask = 1; mask < 1 << library.length; mask++) {
    const set = library.filter((_, i) => mask & (1 << i));
    if (set.join() !== LISTER_MODULES.join()) sets.push(set);
  }
  if (sets.length < k) throw new Error(`bench: only ${sets.length} unbuilt module sets for K=${k}`);
  return sets.slice(0, k);
}

/**
 * K users each send /new at once, each with a module set not built yet, so every create runs a
 * fake nix-build of T seconds; the daemon has S build slots. Makespan runs from the first /new
 * to the last build's final message, against the ideal ceil(K/S)·T. Meanwhile two more users,
 * who own a container, keep asking /list (each 20 ms after the previous answer), so each listing
 * runs machinectl and the storage scan during the builds: hundreds of listings, for a p99 that
 * means something; the baseline is as many listings from the same daemon before the builds. The
 * daemon is its own process, as on the appliance.
 */
export async function benchBuildConcurrency(k = 6, buildSeconds = 5, slots = 2) {
  const users = Array.from({ length: k }, (_, i) => 30_000 + i);
  const moduleSets = unbuiltModuleSets(k);
  const [api, llm, host] = await Promise.all([
    startBotApiServer(),
    startLlmServer(),
    createFakeHost(),
  ]);
  const daemon = execa(process.execPath, [DAEMON, "serve"], {
    env: {
      ...benchEnv({ host, api, llm, users: [...LISTERS, ...users], logLevel: "warn" }),
      VOXNIX_BUILD_SLOTS: String(slots),
    },
    extendEnv: false,
    reject: false,
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (const [i, lister] of LISTERS.entries()) {
    api.sendText(lister, `/new mine${i} ${LISTER_MODULES.join(" ")}`);
    await api.waitFor(lister, (m) => m.text.startsWith("✅"), 30_000);
  }
  const store = join(host.root, "nix/store");
  const systemsBefore = readdirSync(store).length;
  host.configure({ buildDelayMs: buildSeconds * 1000 });

  /** Each lister asks /list, waits for the answer, and asks again while `more(listed so far)`. */
  const keepListing = async (more: (listed: number) => boolean) => {
    const latencies: number[] = [];
    await Promise.all(
      LISTERS.map(async (lister) => {
        while (more(latencies.length)) {
          const asked = performance.now();
          const before = api.messages(lister).length;
          api.sendText(lister, "/list");
          await api.waitFor(lister, () => api.messages(lister).length > before, 30_000);
          latencies.push((api.messages(lister).at(-1)?.sentAtMs ?? Number.NaN) - asked);
          await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
        }
      }),
    );
    return latencies;
  };
  // The baseline: as many listings from the same daemon with nothing else to do.
  const idle = await keepListing((listed) => listed < IDLE_LISTINGS);

  const started = performance.now();
  for (const [i, user] of users.entries())
    api.sendText(user, `/new b${i} ${(moduleSets[i] ?? []).join(" ")}`);
  const latencies = await keepListing(() => users.some((u) => !built(api, u)));
  if (process.env.BENCH_TRACE) {
    console.error(`/list ms: ${latencies.map(Math.round).join(" ")}`);
    const origin = performance.timeOrigin + started;
    const at = (call: { at: number }) => `${round((call.at - origin) / 1000, 2)}`;
    console.error(`nix-build started at s: ${host.calls("nix-build").map(at).join(" ")}`);
    if (process.env.BENCH_TRACE === "all")
      for (const c of host.calls()) console.error(at(c), c.tool, c.args.slice(0, 3).join(" "));
  }
  const finished = Math.max(...users.map((u) => built(api, u)?.changedAtMs ?? Number.NaN));
  const failed = users.filter((u) => built(api, u)?.text.startsWith("❌")).length;
  const systemsBuilt = readdirSync(store).length - systemsBefore;
  const makespan = (finished - started) / 1000;
  const ideal = Math.ceil(k / slots) * buildSeconds;
  daemon.kill("SIGTERM");
  await daemon;
  await Promise.all([api.close(), llm.close(), host.cleanup()]);
  if (failed > 0) throw new Error(`${failed} of ${k} builds failed`);
  // A makespan only means something if every create waited for a build of its own.
  if (systemsBuilt !== k) throw new Error(`bench: ${systemsBuilt} systems built, not ${k}`);
  return [
    {
      measure: `build makespan (K=${k} module sets built, T=${buildSeconds} s, S=${slots})`,
      voxnix: `${round(makespan, 2)} s`,
      baseline: `${ideal} s (ideal ⌈K/S⌉·T)`,
      ratio: round(makespan / ideal, 2),
      target: "≤ 1.1",
    },
    {
      measure: `/list p99 during builds (${latencies.length} listings, ${LISTERS.length} users)`,
      voxnix: `${round(percentile(latencies, 99))} ms (p50 ${round(percentile(latencies, 50))})`,
      baseline: `${round(percentile(idle, 99))} ms (p50 ${round(percentile(idle, 50))}), ${idle.length} listings, no builds`,
      ratio: round(percentile(latencies, 99) / percentile(idle, 99), 2),
      target: "≤ 100 ms",
    },
  ];
}
