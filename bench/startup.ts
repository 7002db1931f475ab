import { execa } from "execa";
import { startBotApiServer, type BotApiServer } from "../tests/fakes/bot-api-server.js";
import { createFakeHost, type FakeHost } from "../tests/fakes/fake-host.js";
import { startLlmServer, type LlmServer } from "../tests/fakes/llm-server.js";
import { benchEnv, DAEMON, tempDir } from "./fixtures.js";
import { percentile, round, rssMb } from "./stats.js";

const USERS = Array.from({ length: 30 }, (_, i) => 20_000 + i);

/** Starts the built daemon on a fresh emulator; resolves once it first asks for updates. */
async function start(llm: LlmServer, host: FakeHost) {
  const api = await startBotApiServer();
  const started = performance.now();
  const daemon = execa(process.execPath, [DAEMON, "serve"], {
    cwd: tempDir(),
    env: benchEnv({ host, api, llm, users: USERS, logLevel: "warn" }),
    extendEnv: false,
    reject: false,
  });
  while (api.calls("getUpdates").length === 0)
    await new Promise((resolve) => setTimeout(resolve, 5));
  const startupMs = (api.calls("getUpdates")[0]?.atMs ?? 0) - started;
  const stop = async () => {
    daemon.kill("SIGTERM");
    await daemon;
    await api.close();
  };
  return { api, pid: daemon.pid as number, startupMs, stop };
}

/** RSS 1.5 s after start, and its peak while `messages` messages are answered. */
async function memory(daemon: { api: BotApiServer; pid: number }, messages: number) {
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const idle = rssMb(daemon.pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(daemon.pid))), 50);
  for (let i = 0; i < messages; i++)
    daemon.api.sendText(USERS[i % USERS.length] as number, `hello ${i}`);
  for (const user of USERS)
    await daemon.api.waitFor(
      user,
      () => daemon.api.messages(user).length >= messages / USERS.length,
      60_000,
    );
  clearInterval(sampler);
  return { idle, peak };
}

/** Time from process start to the first getUpdates (median of `runs`), and RSS idle and under load. */
export async function benchStartup(runs = 5, messages = 300) {
  const [llm, host] = await Promise.all([startLlmServer(), createFakeHost()]);
  llm.script(() => ({ text: "ok" }));
  const startups: number[] = [];
  let rss = { idle: Number.NaN, peak: Number.NaN };
  for (let run = 1; run <= runs; run++) {
    const daemon = await start(llm, host);
    startups.push(daemon.startupMs);
    if (run === runs) rss = await memory(daemon, messages);
    await daemon.stop();
  }
  await Promise.all([llm.close(), host.cleanup()]);

  const bare: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await execa(process.execPath, ["-e", "0"]);
    bare.push(performance.now() - started);
  }
  const [startupMs, bareMs] = [percentile(startups, 50), percentile(bare, 50)];
  return [
    {
      measure: `start-up to first getUpdates (median of ${runs})`,
      voxnix: `${round(startupMs)} ms`,
      baseline: `${round(bareMs)} ms (bare node)`,
      ratio: round(startupMs / bareMs, 2),
      target: "≤ 600 ms",
    },
    { measure: "RSS idle", voxnix: `${rss.idle} MB`, baseline: "", ratio: "", target: "≤ 90 MB" },
    {
      measure: `RSS peak under load (${messages} messages)`,
      voxnix: `${round(rss.peak)} MB`,
      baseline: "",
      ratio: "",
      target: "",
    },
  ];
}
