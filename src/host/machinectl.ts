import { z } from "zod";
import { HostCommandError, HostOutputMalformed } from "./errors.js";
import type { Runner } from "./run.js";

/** Unexpected output from a host tool: the format changed or the tool misbehaved. */

const MachineList = z.array(
  z.object({ machine: z.string(), class: z.string(), addresses: z.string().nullable().optional() }),
);

export interface RunningMachine {
  readonly name: string;
  readonly addresses: readonly string[];
}

/** `machinectl` (systemd ≥ 252): the running machines, which is what "running" means to voxnix. */
export function machinectl(runner: Runner) {
  return {
    /** Every running container in one call (no per-container commands). */
    async listRunning(): Promise<Map<string, RunningMachine>> {
      const argv = ["machinectl", "list", "--output=json", "--no-pager"] as const;
      const { stdout } = await runner.run(argv, { timeoutMs: 15_000 });
      let rows: z.infer<typeof MachineList>;
      try {
        rows = MachineList.parse(JSON.parse(stdout));
      } catch (error) {
        throw new HostOutputMalformed({
          argv,
          stdoutTail: stdout.slice(-500),
          expected: "its JSON list",
          cause: error,
        });
      }
      return new Map(
        rows
          .filter((row) => row.class === "container")
          .map((row) => [
            row.machine,
            { name: row.machine, addresses: (row.addresses ?? "").split("\n").filter(Boolean) },
          ]),
      );
    },

    async isRunning(name: string): Promise<boolean> {
      try {
        const { stdout } = await runner.run(
          ["machinectl", "show", name, "--property=State", "--no-pager"],
          { timeoutMs: 15_000 },
        );
        return stdout.trim() === "State=running";
      } catch (error) {
        if (error instanceof HostCommandError && error.stderrTail.includes("No machine"))
          return false;
        throw error;
      }
    },
  };
}

export type Machinectl = ReturnType<typeof machinectl>;
