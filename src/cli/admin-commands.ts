import type { Command } from "commander";
import {
  AUDIT_MAX_ENTRIES,
  auditDetailText,
  STALE_NOTE,
  unpushedLines,
  computeText,
  cpuText,
  cpuHistoryText,
  idlePolicyText,
  overviewLine,
  resourcesText,
} from "../workloads/index.js";
import { formatDuration } from "../duration.js";
import {
  byteSize,
  commaList,
  cpuCount,
  duration,
  idlePeriod,
  limitsInput,
  pointInTime,
  positiveInt,
  withLimitOptions,
} from "./arguments.js";
import { inCliTerms } from "./chat-to-cli.js";
import { bytes, formatTable, isoDate } from "./output.js";
import {
  confirmedAtTerminal,
  processIo,
  UsageError,
  withWorkloads,
  type Io,
} from "./verb-runtime.js";

/** Registers the admin verbs (issue 3's table) on `program`. */
export function registerAdminCommands(program: Command, io: Io = processIo): void {
  const json = (value: unknown) => io.out(JSON.stringify(value, null, 2));

  program
    .command("ls")
    .description("list containers (yours, or everyone's with --all)")
    .option("--all", "every user's containers")
    .option("--json", "machine-readable output")
    .action((opts: { all?: boolean; json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const rows = await w.list(actor, { all: opts.all ?? false });
        if (opts.json) return json(rows);
        if (rows.length === 0) return io.out("no containers");
        io.out(
          formatTable(
            rows.map((r) => ({
              ...r,
              modules: r.modules.join(","),
              workspace: bytes(r.workspaceBytes),
              owner: r.ownerId,
            })),
            ["name", "owner", "state", "modules", "address", "workspace"],
          ),
        );
        if (rows.some((r) => !r.live)) io.err(STALE_NOTE);
      }),
    );

  withLimitOptions(program.command("create <name>"))
    .description("create and start a container")
    .option("--modules <list>", "comma-separated modules (voxnix modules lists them)", "")
    .option(
      "--as <user>",
      "owner's Telegram user id (default: you, the first admin)",
      positiveInt("--as"),
    )
    .option("--force", "create for an --as user who has no access yet")
    .option("--ttl <duration>", "only for this long (3d, 12h), then to the trash", duration)
    .option("--json", "machine-readable output")
    .action(
      (
        name: string,
        opts: {
          modules: string;
          as?: number;
          force?: boolean;
          cpu?: number;
          memory?: number;
          ttl?: number;
          json?: boolean;
        },
      ) =>
        withWorkloads(io, async (w, actor) => {
          const result = await w.create(
            actor,
            {
              name,
              modules: commaList(opts.modules),
              ...(opts.as !== undefined ? { owner: opts.as } : {}),
              ...limitsInput(opts),
              ...(opts.ttl !== undefined ? { ttlMs: opts.ttl } : {}),
            },
            {
              onProgress: (step, detail) => io.err(`… ${step}${detail ? ` (${detail})` : ""}`),
              ...(opts.force ? { ownerWithoutAccess: true } : {}),
            },
          );
          if (opts.json) return json(result);
          io.out(
            result.state === "running"
              ? `${result.name} is running (${result.modules.join(", ")})`
              : `${result.name} is installed but stopped: ${inCliTerms(result.problem ?? "")}`,
          );
        }),
    );

  for (const verb of ["start", "stop", "restart"] as const) {
    program
      .command(`${verb} <name>`)
      .description(`${verb} a container`)
      .action((name: string) =>
        withWorkloads(io, async (w, actor) => {
          const result = await w[verb](actor, { name });
          io.out(`${result.name} is ${result.state}`);
        }),
      );
  }

  program
    .command("destroy <name>")
    .description("destroy a container; its workspace goes to trash")
    .option("--yes", "do not ask (required when not on a terminal)")
    .action((name: string, opts: { yes?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const request = await w.requestDestroy(actor, { name });
        for (const line of unpushedLines(request.unpushed)) io.err(line);
        const go = await confirmedAtTerminal(
          io,
          w,
          actor,
          { id: request.id, yes: opts.yes },
          {
            verb: "destroy",
            question: `Destroy ${name}? Its workspace stays in trash.`,
            name,
            declined: `${name} not destroyed`,
          },
        );
        if (!go) return;
        const result = await w.confirmDestroy(actor, request.id);
        io.out(
          result.trashId
            ? `${name} destroyed; workspace in trash as ${result.trashId} for ${result.keptDays} days`
            : `${name} destroyed`,
        );
      }),
    );

  program
    .command("info <name>")
    .description("everything known about one container")
    .option("--json", "machine-readable output")
    .action((name: string, opts: { json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const info = await w.info(actor, { name });
        if (opts.json) return json(info);
        const lines: [string, unknown][] = [
          ["name", info.name],
          ["owner", info.ownerId],
          ["state", info.state],
          ["uptime", info.uptimeMs === undefined ? undefined : formatDuration(info.uptimeMs)],
          ["modules", info.modules.join(", ")],
          ["address", info.address],
          ["tailscale", info.tailscaleName ?? (info.tailscale ? "enrolling…" : "off")],
          ["ssh", info.ssh],
          ["cpus", info.limits?.cpus],
          ["memory", bytes(info.limits?.memoryBytes)],
          ["workspace", bytes(info.workspaceBytes)],
          ["created", isoDate(info.createdAtMs)],
        ];
        io.out(lines.map(([k, v]) => `${k.padEnd(10)} ${v ?? "—"}`).join("\n"));
      }),
    );

  program
    .command("logs <name>")
    .description("recent journal lines of a container")
    .option("-n, --lines <n>", "how many lines (at most 200)", positiveInt("--lines"), 50)
    .action((name: string, opts: { lines: number }) =>
      withWorkloads(io, async (w, actor) => {
        const logs = await w.logs(actor, { name, lines: opts.lines });
        if (logs.source === "host-unit")
          io.err(`(${name} is not running: showing container@${name}.service on the host)`);
        io.out(logs.lines.length ? logs.lines.join("\n") : "no log lines");
      }),
    );

  program
    .command("usage")
    .description("storage and compute used: quotas, per container, trash")
    .option("--user <id>", "another user's usage", positiveInt("--user"))
    .option("--all", "every user's, one line each")
    .option("--json", "machine-readable output")
    .action((opts: { user?: number; all?: boolean; json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        if (opts.all) {
          const all = await w.usageOverview(actor);
          if (opts.json) return json(all);
          for (const u of all) io.out(overviewLine(u));
          return;
        }
        const u = await w.usage(actor, opts.user ? { userId: opts.user } : {});
        if (opts.json) return json(u);
        io.out(
          `user ${u.userId}: ${bytes(u.usedBytes)} used of ${bytes(u.quotaBytes) ?? "no quota"}${u.availableBytes !== undefined ? `, ${bytes(u.availableBytes)} free` : ""}`,
        );
        io.out(`  running: ${computeText(u)}`);
        io.out(`  ${cpuHistoryText(u)}`);
        for (const c of u.containers)
          io.out(
            `  ${c.name.padEnd(12)} ${bytes(c.bytes)}${c.resources ? `  ${resourcesText(c.resources, Date.now())}` : ""}`,
          );
        for (const t of u.trash) io.out(`  trash ${t.id.padEnd(26)} ${bytes(t.bytes)}`);
      }),
    );

  const trash = program.command("trash").description("workspaces of destroyed containers");
  trash
    .command("ls")
    .description("list trash (everyone's)")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const entries = w.trash(actor, { all: true });
        if (opts.json) return json(entries);
        if (entries.length === 0) return io.out("trash is empty");
        io.out(
          formatTable(
            entries.map((e) => ({
              ...e,
              owner: e.ownerId,
              container: e.containerName,
              trashed: isoDate(e.trashedAtMs),
              purged: isoDate(e.expiresAtMs),
            })),
            ["id", "owner", "container", "trashed", "purged"],
          ),
        );
      }),
    );
  trash
    .command("restore <id>")
    .description("bring a trashed workspace back in a new container")
    .option("--as <name>", "name of the new container (the one it had, unless given)")
    .option("--json", "machine-readable output")
    .action((id: string, opts: { as?: string; json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const result = await w.restore(
          actor,
          { id, ...(opts.as !== undefined ? { name: opts.as } : {}) },
          { onProgress: (step) => io.err(`… ${step}`) },
        );
        if (opts.json) return json(result);
        io.out(`${result.name} restored from ${id} and ${result.state}`);
      }),
    );
  trash
    .command("purge")
    .description(`delete trash older than VOXNIX_TRASH_DAYS (or all of it)`)
    .option("--all", "delete all trash now")
    .action((opts: { all?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const { purged, failed } = await w.purgeTrash(actor, { everything: opts.all ?? false });
        io.out(purged.length ? `purged ${purged.join(", ")}` : "nothing to purge");
        for (const line of failed) io.err(`failed: ${line}`);
        if (failed.length > 0) process.exitCode = 1;
      }),
    );

  const users = program.command("users").description("who may use voxnix");
  users
    .command("ls")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const rows = w.users(actor);
        if (opts.json) return json(rows);
        io.out(
          formatTable(
            rows.map((u) => ({ ...u, approved_by: u.approvedBy })),
            ["id", "role", "source", "approved_by"],
          ),
        );
      }),
    );
  users
    .command("add")
    .argument("<id>", "the Telegram user id", positiveInt("id"))
    .option("--admin", "as an admin")
    .action((id: number, opts: { admin?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const granted = w.grant(actor, { id, role: opts.admin ? "admin" : "user" });
        io.out(`${granted.id} may now use voxnix as ${granted.role}`);
      }),
    );
  users
    .command("quota")
    .description("what a user's running containers may use together (the defaults unless set)")
    .argument("<id>", "the Telegram user id", positiveInt("id"))
    .option("--cpus <n>", "CPUs, such as 4 or 2.5", cpuCount)
    .option("--memory <size>", "memory, such as 16G", byteSize)
    .option("--clear", "back to VOXNIX_USER_CPUS and VOXNIX_USER_MEMORY")
    .action((id: number, opts: { cpus?: number; memory?: number; clear?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        if (opts.clear && (opts.cpus !== undefined || opts.memory !== undefined))
          throw new UsageError("--clear takes no --cpus or --memory");
        if (!opts.clear && opts.cpus === undefined && opts.memory === undefined)
          return io.out(`${id}: ${computeText(await w.usage(actor, { userId: id }))}`);
        const quota = w.setQuota(actor, {
          userId: id,
          ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
          ...(opts.memory !== undefined ? { memoryBytes: opts.memory } : {}),
          ...(opts.clear ? { clear: true } : {}),
        });
        io.out(
          `${id}: ${cpuText(quota.cpus)} and ${bytes(quota.memoryBytes)} for running containers${quota.own ? "" : " (the defaults)"}`,
        );
      }),
    );
  users
    .command("rm")
    .argument("<id>", "the Telegram user id", positiveInt("id"))
    .action((id: number) =>
      withWorkloads(io, async (w, actor) => {
        w.revoke(actor, id);
        io.out(`${id} no longer has access`);
      }),
    );

  program
    .command("modules")
    .description("the container modules")
    .action(() =>
      withWorkloads(io, async (w) => {
        for (const m of w.modules()) io.out(`${m.name.padEnd(12)} ${m.description}`);
      }),
    );

  program
    .command("doctor")
    .description("check the host and reconcile the registry with it")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }) =>
      withWorkloads(io, async (w, actor) => {
        const report = await w.doctor(actor);
        if (opts.json) return json(report);
        for (const c of report.checks) io.out(`${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
        for (const r of report.repaired) io.out(`repaired: ${r}`);
        for (const r of report.updated) io.out(`updated: ${r}`);
        for (const r of report.inProgress) io.out(`in progress: ${r}`);
        for (const r of report.reported) io.out(`attention: ${r}`);
        for (const r of report.failed) io.out(`failed: ${r}`);
        if (report.checks.some((c) => !c.ok)) process.exitCode = 1;
      }),
    );

  program
    .command("idle")
    .description(
      "with NAME: when that container is stopped for being idle, or with PERIOD (12h, 3d, never, default) change it; alone: run the idle policy now (the daemon does it every 5 minutes)",
    )
    .argument("[name]", "a container")
    .argument(
      "[period]",
      "its own idle period: 12h, 3d, never, or default (the host's)",
      idlePeriod,
    )
    .option("--json", "machine-readable output")
    .action(
      (
        name: string | undefined,
        period: { ms: number | undefined } | undefined,
        opts: { json?: boolean },
      ) =>
        withWorkloads(io, async (w, actor) => {
          if (name === undefined) {
            const done = await w.idlePass();
            if (opts.json) return json(done);
            for (const line of done) io.out(line);
            if (done.length === 0) io.out("nothing is due");
            return;
          }
          const policy = period
            ? w.setIdlePeriod(actor, { name }, period.ms)
            : w.idlePolicy(actor, { name });
          if (opts.json) return json(policy);
          io.out(idlePolicyText(policy, Date.now()));
        }),
    );

  program
    .command("audit")
    .description("who did what to which container, and how it ended (oldest first)")
    .option("--user <id>", "only what this user did", positiveInt("--user"))
    .option("--container <name>", "only what was done to this container (or trash id)")
    .option("--since <when>", "only since then: 30m, 12h, 1d, 2w or 2026-12-01", pointInTime())
    .option(
      "--limit <n>",
      `the newest this many (at most ${AUDIT_MAX_ENTRIES})`,
      positiveInt("--limit"),
      50,
    )
    .option("--json", "machine-readable output, with each entry's whole detail")
    .action(
      (opts: {
        user?: number;
        container?: string;
        since?: number;
        limit: number;
        json?: boolean;
      }) =>
        withWorkloads(io, async (w, actor) => {
          const entries = w.audit(actor, {
            ...(opts.user !== undefined ? { userId: opts.user } : {}),
            ...(opts.container !== undefined ? { target: opts.container } : {}),
            ...(opts.since !== undefined ? { sinceMs: opts.since } : {}),
            limit: opts.limit,
          });
          if (opts.json) return json(entries);
          if (entries.length === 0) return io.out("no audit entries match");
          io.out(
            formatTable(
              entries.map((e) => ({
                time: isoDate(e.atMs),
                actor: e.actor,
                action: e.action,
                target: e.target,
                outcome: e.outcome,
                detail: auditDetailText(e),
              })),
              ["time", "actor", "action", "target", "outcome", "detail"],
            ),
          );
        }),
    );
}
