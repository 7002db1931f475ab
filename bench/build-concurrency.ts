import { benchDaemon } from "./fixtures.js";
import { percentile, round } from "./stats.js";

/** K creates with T-second fake builds and S slots: makespan against ceil(K/S)·T, and /list meanwhile. */
export async function benchBuildConcurrency(k = 6, buildSeconds = 2, slots = 2) {
  const users = Array.from({ length: k }, (_, i) => 30_000 + i);
  const d = await benchDaemon(users, { buildDelayMs: buildSeconds * 1000 });
  const { workloads } = d.daemon.runtime;
  const actor = (userId: number) => ({ userId, role: "user" as const, via: "telegram" as const });
  const started = performance.now();
  let building = true;
  const builds = Promise.all(
    users.map((u, i) => workloads.create(actor(u), { name: `b${i}`, modules: ["git"] })),
  ).finally(() => (building = false));
  const listLatencies: number[] = [];
  while (building) {
    const t = performance.now();
    await workloads.list(actor(users[0] as number));
    listLatencies.push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await builds;
  const makespan = (performance.now() - started) / 1000;
  const ideal = Math.ceil(k / slots) * buildSeconds;
  await d.close();
  return [
    {
      measure: `build makespan (K=${k}, T=${buildSeconds}s, S=${slots})`,
      voxnix: `${round(makespan, 2)} s`,
      baseline: `${ideal} s (ideal)`,
      ratio: round(makespan / ideal, 2),
      target: "≤ 1.1",
    },
    {
      measure: "list p99 during builds",
      voxnix: `${round(percentile(listLatencies, 99))} ms`,
      baseline: "",
      ratio: "",
      target: "≤ 100 ms",
    },
  ];
}
