import { execa } from "execa";
import { startBotApiServer } from "../tests/fakes/bot-api-server.js";
import { createFakeHost } from "../tests/fakes/fake-host.js";
import { startLlmServer } from "../tests/fakes/llm-server.js";
import { benchEnv, DAEMON, tempDir } from "./fixtures.js";
import { round, rssMb } from "./stats.js";

/** Time from process start to the first getUpdates, and RSS idle and under load, of the built daemon. */
export async function benchStartup(messages = 300) {
  const [api, llm, host] = await Promise.all([
    startBotApiServer(),
    startLlmServer(),
    createFakeHost(),
  ]);
  llm.script(() => ({ text: "ok" }));
  const users = Array.from({ length: 30 }, (_, i) => 20_000 + i);
  const started = performance.now();
  const daemon = execa(process.execPath, [DAEMON, "serve"], {
    cwd: tempDir(),
    env: benchEnv({ host, api, llm, users, logLevel: "warn" }),
    extendEnv: false,
    reject: false,
  });
  while (api.calls("getUpdates").length === 0)
    await new Promise((resolve) => setTimeout(resolve, 5));
  const startupMs = (api.calls("getUpdates")[0]?.atMs ?? 0) - started;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const idle = rssMb(daemon.pid as number);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(daemon.pid as number))), 50);
  for (let i = 0; i < messages; i++) api.sendText(users[i % users.length] as number, `hello ${i}`);
  for (const user of users)
    await api.waitFor(user, () => api.messages(user).length >= messages / users.length, 60_000);
  clearInterval(sampler);
  daemon.kill("SIGTERM");
  await daemon;
  await Promise.all([api.close(), llm.close(), host.cleanup()]);

  const bare = performance.now();
  await execa(process.execPath, ["-e", "0"]);
  const bareMs = performance.now() - bare;
  return [
    {
      measure: "start-up to first getUpdates",
      voxnix: `${round(startupMs)} ms`,
      baseline: `${round(bareMs)} ms (bare node)`,
      ratio: round(startupMs / bareMs, 2),
      target: "≤ 600 ms",
    },
    { measure: "RSS idle", voxnix: `${idle} MB`, baseline: "", ratio: "", target: "≤ 90 MB" },
    {
      measure: `RSS peak under load (${messages} messages)`,
      voxnix: `${round(peak)} MB`,
      baseline: "",
      ratio: "",
      target: "",
    },
  ];
}
