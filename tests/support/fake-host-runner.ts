import { onTestFinished } from "vitest";
import { createRunner } from "../../src/host/run.js";
import { createLogger } from "../../src/log.js";
import { createFakeHost, type FakeHost } from "../fakes/fake-host.js";
import { testSpawnHelper } from "./spawn-helper.js";

const ANY_EXIT_CODE = Array.from({ length: 256 }, (_, code) => code);

export interface ToolOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A fake host (removed after the test) and `sh(...)`, which runs a command on it through the
 * real runner and returns its exit code and output whatever they are.
 */
export async function fakeHostShell(
  options: Parameters<typeof createFakeHost>[0] = {},
): Promise<{ host: FakeHost; sh: (...argv: [string, ...string[]]) => Promise<ToolOutput> }> {
  const host = await createFakeHost(options);
  onTestFinished(() => host.cleanup());
  const runner = createRunner({
    log: createLogger({ level: "silent" }),
    env: { PATH: host.path },
    spawnHelper: testSpawnHelper(),
  });
  const sh = async (...argv: [string, ...string[]]) => {
    const { exitCode, stdout, stderr } = await runner.run(argv, { allowExitCodes: ANY_EXIT_CODE });
    return { exitCode, stdout, stderr };
  };
  return { host, sh };
}
