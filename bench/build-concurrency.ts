import { execa } from "execa";
import { startBotApiServer, type BotApiServer } from "../tests/fakes/bot-api-server.js";
import { createFakeHost } from "../tests/fakes/fake-host.js";
import { startLlmServer } from "../tests/fakes/llm-server.js";
import { benchEnv, DAEMON } from "./fixtures.js";
import { percentile, round } from "./stats.js";

const LISTER = 39_999;
const built = (api: BotApiServer, user: number) =>
  api.messages(user).find((m) => m.text.startsWith("✅") || m.text.startsWith("❌"));

/**
 * K users each send /new at once; the fake builds take T seconds and the daemon has S build
 * slots. Makespan runs from the first /new to the last build's final message, against the ideal
 * ceil(K/S)·T. Meanwhile one more user, who owns a container, keeps asking /list (each after
 * the previous answer), so each listing runs machinectl and the storage scan during the builds.
 * The daemon is its own process, as on the appliance.
 */
export async function benchBuildConcurrency(k = 6, buildSeconds = 2, slots = 2) {
  const users = Array.from({ length: k }, (_, i) => 30_000 + i);
  const [api, llm, host] = await Promise.all([
    startBotApiServer(),
    startLlmServer(),
    createFakeHost(),
  ]);
  const daemon = execa(process.execPath, [DAEMON, "serve"], {
    env: {
      ...benchEnv({ host, api, llm, users: [LISTER, ...users], logLevel: "warn" }),
      VOXNIX_BUILD_SLOTS: String(slots),
    },
    extendEnv: false,
    reject: false,
    stdio: ["ignore", "ignore", "inherit"],
  });
  api.sendText(LISTER, "/new mine git");
  await api.waitFor(LISTER, (m) => m.text.startsWith("✅"), 30_000);
  host.configure({ buildDelayMs: buildSeconds * 1000 });

  const started = performance.now();
  for (const [i, user] of users.entries()) api.sendText(user, `/new b${i} git`);
  const latencies: number[] = [];
  while (users.some((u) => !built(api, u))) {
    const asked = performance.now();
    const before = api.messages(LISTER).length;
    api.sendText(LISTER, "/list");
    await api.waitFor(LISTER, () => api.messages(LISTER).length > before, 30_000);
    latencies.push((api.messages(LISTER).at(-1)?.sentAtMs ?? Number.NaN) - asked);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (process.env.BENCH_TRACE) console.error(latencies.map(Math.round).join(" "));
  const finished = Math.max(...users.map((u) => built(api, u)?.changedAtMs ?? Number.NaN));
  const failed = users.filter((u) => built(api, u)?.text.startsWith("❌")).length;
  const makespan = (finished - started) / 1000;
  const ideal = Math.ceil(k / slots) * buildSeconds;
  daemon.kill("SIGTERM");
  await daemon;
  await Promise.all([api.close(), llm.close(), host.cleanup()]);
  if (failed > 0) throw new Error(`${failed} of ${k} builds failed`);
  return [
    {
      measure: `build makespan (K=${k}, T=${buildSeconds}s, S=${slots})`,
      voxnix: `${round(makespan, 2)} s`,
      baseline: `${ideal} s (ideal)`,
      ratio: round(makespan / ideal, 2),
      target: "≤ 1.1",
    },
    {
      measure: `/list p99 during builds (${latencies.length} asked)`,
      voxnix: `${round(percentile(latencies, 99))} ms`,
      baseline: `${round(percentile(latencies, 50))} ms (p50)`,
      ratio: "",
      target: "≤ 100 ms",
    },
  ];
}
