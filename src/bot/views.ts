import { formatDuration } from "../duration.js";
import { formatSize } from "../size.js";
import {
  cpuText,
  STALE_NOTE,
  unpushedLines,
  type ConfirmationRequest,
  type ContainerInfo,
  type ContainerSummary,
  type CreateResult,
  type PowerResult,
  type RollbackRequest,
} from "../workloads/index.js";
import { bold, code, lines, rich, type Rich } from "./format.js";

/** What the bot shows: pure functions from workloads' results to rich text. */

const STATE_ICON: Record<ContainerSummary["state"], string> = {
  running: "🟢",
  stopped: "⚪",
  creating: "🛠",
  destroying: "🗑",
  failed: "🔴",
};

export function containerLine(c: ContainerSummary, showOwner = false): Rich {
  return rich(
    `${STATE_ICON[c.state]} `,
    bold(c.name),
    ` ${c.state}`,
    c.modules.length ? ` · ${c.modules.filter((m) => m !== "workspace").join(", ") || "base"}` : "",
    c.workspaceBytes !== undefined ? ` · ${formatSize(c.workspaceBytes)}` : "",
    showOwner ? ` · owner ${c.ownerId}` : "",
  );
}

export function containerList(containers: readonly ContainerSummary[], all: boolean): Rich {
  if (containers.length === 0)
    return rich(
      "No containers yet. Create one with ",
      code("/new dev git fish"),
      " or just ask me.",
    );
  return lines(
    bold(all ? "All containers" : "Your containers"),
    ...containers.map((c) => containerLine(c, all)),
    containers.some((c) => !c.live) ? STALE_NOTE : undefined,
  );
}

/** /info: a container's state, modules, limits, size, how to connect; whose, for an admin. */
export function containerDetails(info: ContainerInfo, viewerId: number): Rich {
  const uptime = info.uptimeMs === undefined ? undefined : formatDuration(info.uptimeMs);
  return lines(
    rich(
      STATE_ICON[info.state],
      " ",
      bold(info.name),
      ` ${info.state}`,
      uptime ? ` for ${uptime}` : "",
    ),
    info.ownerId !== viewerId ? rich("Owner: user ", code(info.ownerId)) : undefined,
    rich("Modules: ", info.modules.join(", ")),
    rich("Limits: ", `${cpuText(info.limits.cpus)}, ${formatSize(info.limits.memoryBytes)} memory`),
    info.workspaceBytes !== undefined
      ? rich("Workspace: ", formatSize(info.workspaceBytes))
      : undefined,
    info.expiresAtMs !== undefined
      ? rich(
          `Goes to the trash in ${formatDuration(Math.max(0, info.expiresAtMs - Date.now()))} (asked for at create; Keep alive on its warning keeps it).`,
        )
      : undefined,
    info.tailscale
      ? connectHint(info.name, info.ssh, info.tailscaleName)
      : rich(
          "No Tailscale: ask the admin for a shell (",
          code(`machinectl shell ${info.name}`),
          ").",
        ),
  );
}

/**
 * How to reach the container's node: by the address of the device bound to it (workloads'
 * `ssh`), never by the container's name, which any tenant's node may take as its hostname.
 */
function connectHint(name: string, ssh: string | undefined, tailscaleName?: string): Rich {
  return ssh
    ? rich("Connect: ", code(ssh), ...(tailscaleName ? [" (", tailscaleName, ")"] : []))
    : rich("Tailscale: joining your tailnet; ", code(`/info ${name}`), " shows how to connect.");
}

/** What a finished start, stop or restart says. */
export const powerLine = (result: PowerResult) => rich(bold(result.name), ` is ${result.state}.`);

/** The question on a destroy confirmation card. */
export const destroyQuestion = (request: ConfirmationRequest) =>
  lines(
    rich("Destroy ", bold(request.target), "?"),
    ...unpushedLines(request.unpushed),
    `Its /workspace stays in your trash for ${request.keptDays} days; /restore brings it back.`,
  );

/** The question a rollback's card asks: what comes back, and where what is there now goes. */
export function rollbackQuestion(request: RollbackRequest) {
  return lines(
    rich("Roll ", bold(request.target), " back to snapshot ", code(request.snapshot), "?"),
    rich(
      "The workspace becomes what it was then; the container is stopped and started around it. ",
      `What is there now${request.later.length ? `, with the ${request.later.length} later snapshot${request.later.length === 1 ? "" : "s"} (${request.later.join(", ")}),` : ""} goes to your trash for ${request.keptDays} days.`,
    ),
  );
}

/** How a create or restore ended: how to connect, or why it is not running. */
export function createOutcome(result: CreateResult): Rich {
  if (result.state !== "running")
    return rich(
      "⚠️ ",
      bold(result.name),
      " was installed but is not running: ",
      result.problem ?? "unknown reason",
      ".",
    );
  return lines(
    rich("✅ ", bold(result.name), " is running (", result.modules.join(", "), ")."),
    result.modules.includes("tailscale")
      ? connectHint(result.name, undefined)
      : rich(
          "Without Tailscale, the admin can open a shell: ",
          code(`machinectl shell ${result.name}`),
          ".",
        ),
  );
}
