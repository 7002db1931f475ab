import type { NoticeButton } from "../store/index.js";
import type { Actor } from "./primitives/actor.js";
import { auditTrail } from "./primitives/audit.js";
import { containerInfo } from "./operations/container-info.js";
import { containerLogs } from "./operations/container-logs.js";
import { admitCreate } from "./operations/create-container.js";
import type { OperationOptions, WorkloadDeps } from "./primitives/deps.js";
import { approveAccess, requestAccess } from "./operations/access-requests.js";
import { assertAdmissible, planContainer } from "./primitives/provision.js";
import { auditEvents, type AuditQuery } from "./operations/audit-events.js";
import { setComputeQuota } from "./primitives/compute-quota.js";
import {
  cancelPending,
  confirmPending,
  incarnationOf,
  type ConfirmHandlers,
} from "./primitives/confirmations.js";
import { conversation } from "./operations/conversation.js";
import {
  destroyContainer,
  requestDestroy,
  type DestroyResult,
} from "./operations/destroy-container.js";
import { doctor } from "./maintenance/doctor.js";
import { forgetExpired } from "./policy/forget-expired.js";
import { listContainers } from "./operations/list-containers.js";
import { restartContainer, startContainer, stopContainer } from "./operations/power.js";
import { reconcile } from "./maintenance/reconcile.js";
import { Refusal } from "./primitives/refusal.js";
import type { CreateInput, NameInput } from "./primitives/spec.js";
import { traced } from "./primitives/traced.js";
import { admitRestore, listTrash, purgeTrash } from "./operations/trash.js";
import { usage, usageOverview } from "./operations/usage.js";
import { usageSeries } from "./operations/usage-series.js";
import { openTerminal, type TerminalInput } from "./operations/terminal.js";
import { watch } from "./policy/watch.js";
import {
  deleteSnapshot,
  listSnapshots,
  requestRollback,
  takeSnapshot,
} from "./operations/snapshots.js";
import { SNAPSHOT_NAME } from "./primitives/workspace-snapshots.js";
import { rollbackContainer, type RollbackResult } from "./operations/rollback.js";
import { checkChange, reconfigureContainer, type ChangeInput } from "./operations/reconfigure.js";
import { admitFork, type ForkInput } from "./operations/fork-container.js";
import { idlePass, idlePolicy, keepAlive, setIdlePeriod, setPinned } from "./policy/idle.js";
import { accessOf, grantUser, listUsers, revokeUser } from "./primitives/users.js";
import {
  addSecret,
  checkSecretAdd,
  countEgressUse,
  egressCredential,
  listSecrets,
  removeSecret,
  setSecretUse,
  type EgressCredential,
  type SecretAddInput,
} from "./operations/secrets.js";
import type { Secret } from "../secret.js";

export { auditName, SYSTEM_ACTOR, type Actor } from "./primitives/actor.js";
export { AUDIT_MAX_ENTRIES, auditDetailText, type AuditQuery } from "./operations/audit-events.js";
export { unpushedLines } from "./primitives/unpushed-text.js";
export { computeText, cpuHistoryText, overviewLine, resourcesText } from "./usage-text.js";
export { cpuText } from "./primitives/compute-quota.js";
export type { AuditEntry } from "../store/index.js";
export type { ContainerInfo } from "./operations/container-info.js";
export { HISTORY_MAX_AGE_MS, HISTORY_TURNS } from "./operations/conversation.js";
export { buildSpec, type BuildSpecOptions } from "./primitives/build-spec.js";
export type { Admission, CreateResult } from "./primitives/provision.js";
export { MIN_FREE_BYTES } from "./primitives/storage-left.js";
export type { OperationOptions, ProgressStep, WorkloadDeps } from "./primitives/deps.js";
export {
  CONFIRMATION_TTL_MS,
  type ConfirmationRequest,
  type DestroyResult,
} from "./operations/destroy-container.js";
export type { Check } from "./maintenance/doctor.js";
export { STALE_NOTE } from "./operations/list-containers.js";
export type { ContainerSummary } from "./primitives/container-summary.js";
export { createSemaphore } from "./primitives/semaphore.js";
export type { ReconcileReport } from "./maintenance/reconcile.js";
export { Refusal, type RefusalReason } from "./primitives/refusal.js";
export {
  containerName,
  ContainerSpec,
  isContainerName,
  type CreateInput,
} from "./primitives/spec.js";
export type { PurgeResult, TrashEntry } from "./operations/trash.js";
export type { Forgotten } from "./policy/forget-expired.js";
export type { ContainerModule } from "../host/index.js";
export type {
  Json,
  NoticeButton,
  NoticePress,
  NoticeRecord,
  ReportTarget,
} from "../store/index.js";
export type { PowerResult } from "./operations/power.js";
export type { RollbackResult } from "./operations/rollback.js";
export { isChangeable, type ChangeInput, type ChangeResult } from "./operations/reconfigure.js";
export type { ForkInput } from "./operations/fork-container.js";
export {
  ROLLBACK_CONFIRMATION_TTL_MS,
  type RollbackRequest,
  type SnapshotEntry,
} from "./operations/snapshots.js";
export { SAFETY_PREFIX } from "./primitives/workspace-snapshots.js";
/** Whether `text` is a snapshot name a person may give (a picker's button carries one). */
export const isSnapshotName = (text: string) => SNAPSHOT_NAME.test(text);
export type { ContainerUsage, Usage } from "./operations/usage.js";
export type { UsageSeries } from "./operations/usage-series.js";
export type { TerminalGrant, TerminalInput } from "./operations/terminal.js";
export type { ContainerTerminal } from "../host/container-exec.js";
export type { ComputeQuota } from "./primitives/compute-quota.js";
export { IDLE_PERIOD_RANGE_MS, type IdlePolicy } from "./policy/idle.js";
export { idlePolicyText, parseIdlePeriod } from "./idle-text.js";
export type { UserAccess } from "./primitives/users.js";
export {
  SECRET_VALUE_MAX_CHARS,
  type EgressCredential,
  type SecretAddInput,
  type SecretSummary,
} from "./operations/secrets.js";
export { SECRET_KINDS, STRIPPED_REQUEST_HEADERS } from "./primitives/secret-kinds.js";
export { secretBox } from "./primitives/secret-box.js";

type RestoreInput = { id: string; name?: string; modules?: string[] };

export type ConfirmResult =
  | ({ readonly action: "destroy" } & DestroyResult)
  | ({ readonly action: "rollback" } & RollbackResult)
  | { readonly action: "grant"; readonly userId: number; readonly role: "admin" | "user" };

/** What each kind of confirmation runs once its user confirms it. */
const confirmations = (deps: WorkloadDeps): ConfirmHandlers<ConfirmResult> => ({
  destroy: async (actor, pending, options) => ({
    action: "destroy",
    ...(await destroyContainer(deps, actor, pending.target, {
      ...options,
      incarnation: incarnationOf(pending),
    })),
  }),
  rollback: async (actor, pending, options) => ({
    action: "rollback",
    ...(await rollbackContainer(
      deps,
      actor,
      pending.target,
      String(pending.payload?.snapshot ?? ""),
      { ...options, incarnation: incarnationOf(pending) },
    )),
  }),
  grant: (actor, pending) => {
    const granted = approveAccess(deps, actor, pending.target);
    return { action: "grant", userId: granted.id, role: granted.role };
  },
});

/**
 * The one service behind the bot's commands, the LLM's tools and the admin CLI: every rule
 * (validation, ownership, limits, locks, rollback, audit) lives behind these methods, each
 * traced as a span (traced.ts).
 */
export function createWorkloads(deps: WorkloadDeps) {
  const handlers = confirmations(deps);
  const confirmOnly = async <K extends ConfirmResult["action"]>(
    actor: Actor,
    id: string,
    kind: K,
  ): Promise<Extract<ConfirmResult, { action: K }>> => {
    const result = await confirmPending(deps, actor, id, handlers, { onlyKind: kind });
    if (result.action !== kind)
      throw new Refusal("not-confirmed", "That confirmation is not valid.");
    return result as Extract<ConfirmResult, { action: K }>;
  };
  return traced({
    /** The modules this host can give: tailscale only with a key or an OAuth client for one. */
    modules: () =>
      deps.modules.filter(
        (m) =>
          m.name !== "tailscale" || deps.tailscaleKey !== undefined || deps.tailnet !== undefined,
      ),
    /**
     * Checks, authorizes and claims a create now, synchronously (a refusal throws here); the
     * returned admission builds and starts it, or releases the name.
     */
    admitCreate: (actor: Actor, input: CreateInput, options?: { ownerWithoutAccess?: boolean }) =>
      admitCreate(deps, actor, input, options),
    /** Refuses now what an admission of `input` would, claiming nothing (the module picker). */
    checkCreate: (actor: Actor, input: CreateInput) =>
      assertAdmissible(deps, planContainer(deps, actor, input)),
    /** The same for a restore: the trash entry must be the actor's, the new name free. */
    admitRestore: (actor: Actor, input: RestoreInput) => admitRestore(deps, actor, input),
    /** /fork SOURCE NEW [SNAPSHOT]: checked and claimed now; `run` clones and starts it. */
    admitFork: (actor: Actor, input: ForkInput) => admitFork(deps, actor, input),
    /** Admits and carries out a fork in one call (the CLI, tests). */
    fork: async (actor: Actor, input: ForkInput, options?: OperationOptions) =>
      admitFork(deps, actor, input).run(options),
    /** Admits and carries out a create in one call (the CLI, tests); a refusal rejects. */
    create: async (
      actor: Actor,
      input: CreateInput,
      options: OperationOptions & { ownerWithoutAccess?: boolean } = {},
    ) => {
      const { ownerWithoutAccess, ...run } = options;
      return admitCreate(deps, actor, input, ownerWithoutAccess ? { ownerWithoutAccess } : {}).run(
        run,
      );
    },
    start: (actor: Actor, input: NameInput) => startContainer(deps, actor, input),
    stop: (actor: Actor, input: NameInput) => stopContainer(deps, actor, input),
    restart: (actor: Actor, input: NameInput) => restartContainer(deps, actor, input),
    requestDestroy: (actor: Actor, input: NameInput) => requestDestroy(deps, actor, input),
    confirm: (actor: Actor, id: string, options?: Pick<OperationOptions, "report">) =>
      confirmPending(deps, actor, id, handlers, options),
    /** Confirms a pending destroy, refusing any other kind of pending action untouched. */
    confirmDestroy: async (actor: Actor, id: string): Promise<DestroyResult> => {
      const { name, trashId, keptDays } = await confirmOnly(actor, id, "destroy");
      return { name, trashId, keptDays };
    },
    /** The same for a pending rollback (the CLI's `rollback`). */
    confirmRollback: async (actor: Actor, id: string): Promise<RollbackResult> => {
      const { name, snapshot, trashId, keptDays, state } = await confirmOnly(actor, id, "rollback");
      return { name, snapshot, trashId, keptDays, state };
    },
    cancel: (actor: Actor, id: string) => cancelPending(deps, actor, id),
    requestAccess: (requester: { id: number; name: string }) => requestAccess(deps, requester),
    list: (actor: Actor, options?: { all?: boolean }) => listContainers(deps, actor, options),
    info: (actor: Actor, input: NameInput) => containerInfo(deps, actor, input),
    logs: (actor: Actor, input: { name: string; lines?: number }) =>
      containerLogs(deps, actor, input),
    usage: (actor: Actor, options?: { userId?: number }) => usage(deps, actor, options),
    /** The usage history's samples of the last week, for charts (the web app). */
    usageSeries: (actor: Actor, options?: { userId?: number }) => usageSeries(deps, actor, options),
    /** A shell in a running container (the web app's terminal); an admin's into another's is explicit. */
    openTerminal: (actor: Actor, input: TerminalInput) => openTerminal(deps, actor, input),
    /** /snapshots NAME: oldest first, with the space each holds on its own. */
    snapshots: (actor: Actor, input: NameInput) => listSnapshots(deps, actor, input),
    /** /snapshot NAME [label]: the workspace as it is now (ZFS only). */
    snapshot: (actor: Actor, input: NameInput & { snapshot?: string }) =>
      takeSnapshot(deps, actor, input),
    deleteSnapshot: (actor: Actor, input: NameInput & { snapshot: string }) =>
      deleteSnapshot(deps, actor, input),
    /** /rollback NAME SNAPSHOT: a confirmation only this user can give; `confirm` runs it. */
    requestRollback: (actor: Actor, input: NameInput & { snapshot: string }) =>
      requestRollback(deps, actor, input),
    /** Refuses now what `change` would refuse before it begins (a picker's press). */
    checkChange: (actor: Actor, input: ChangeInput) => void checkChange(deps, actor, input),
    /** /modules, /limits, `voxnix set`: modules and limits changed in place, the workspace kept. */
    change: (actor: Actor, input: ChangeInput, options?: OperationOptions) =>
      reconfigureContainer(deps, actor, input, options),
    /** Admins: every user's usage, from one look at the host. */
    usageOverview: (actor: Actor) => usageOverview(deps, actor),
    trash: (actor: Actor, options?: { all?: boolean }) => listTrash(deps, actor, options),
    restore: async (actor: Actor, input: RestoreInput, options?: OperationOptions) =>
      admitRestore(deps, actor, input).run(options),
    purgeTrash: (actor: Actor, options?: { everything?: boolean }) =>
      purgeTrash(deps, actor, options),
    reconcile: () => reconcile(deps),
    forgetExpired: () => forgetExpired(deps),
    /** Maintenance: quotas nearly full, trash about to be purged, told to their owners once. */
    watch: () => watch(deps),
    /** Maintenance: the idle policy's pass (warn, then stop, containers nobody uses). */
    idlePass: () => idlePass(deps),
    /** An idle warning's Keep alive: the countdown starts again. */
    keepAlive: (actor: Actor, input: NameInput) => keepAlive(deps, actor, input.name),
    /** /pin, /unpin: a pinned container is never stopped for being idle. */
    pin: (actor: Actor, input: NameInput, pinned: boolean) =>
      setPinned(deps, actor, input.name, pinned),
    /** /idle NAME: how the idle policy applies to a container. */
    idlePolicy: (actor: Actor, input: NameInput) => idlePolicy(deps, actor, input.name),
    /** /idle NAME 12h|never|default: its own idle period (0 = never), or the host's again. */
    setIdlePeriod: (actor: Actor, input: NameInput, ms: number | undefined) =>
      setIdlePeriod(deps, actor, input.name, ms),
    /** /notify: whether voxnix tells this user things unasked (crashes, quota, trash, admins). */
    notifications: {
      muted: (actor: Actor) => deps.store.notifications.isMuted(actor.userId),
      mute: (actor: Actor, muted: boolean) => {
        deps.store.notifications.setMuted(actor.userId, muted);
        auditTrail(deps, {
          actor,
          action: muted ? "notify-off" : "notify-on",
          target: String(actor.userId),
        })("ok");
      },
    },
    /**
     * The notices outbox: what waits; `take` claims one for delivery (false: another process
     * has it), then `delivered` removes it or `giveBack` returns it undelivered; and a message
     * for someone to be told by whichever process delivers.
     */
    notices: {
      pending: () => deps.store.notices.listAll(),
      take: (id: number) => deps.store.notices.claim(id),
      delivered: (id: number) => void deps.store.notices.remove(id),
      giveBack: (id: number) => deps.store.notices.release(id),
      send: (notice: { userId: number; text: string; buttons?: readonly NoticeButton[] }) =>
        deps.store.notices.add(notice),
    },
    conversation: conversation(deps),
    accessOf: (userId: number) => accessOf(deps, userId),
    users: (actor: Actor) => listUsers(deps, actor),
    grant: (actor: Actor, input: { id: number; role?: "admin" | "user"; displayName?: string }) =>
      grantUser(deps, actor, input),
    revoke: (actor: Actor, userId: number) => revokeUser(deps, actor, userId),
    /** Admins: a user's compute quota (their running containers together), or the defaults back. */
    setQuota: (
      actor: Actor,
      input: { userId: number; cpus?: number; memoryBytes?: number; clear?: boolean },
    ) => setComputeQuota(deps, actor, input),
    /**
     * Secrets a container's agent uses through the egress proxy and never reads: add (the
     * value sealed at once), list (names, kinds, uses; never a value), remove, use and unuse
     * (one's own secret on one's own container).
     */
    secrets: {
      available: () => deps.secrets !== undefined,
      checkAdd: (actor: Actor, input: SecretAddInput) => void checkSecretAdd(deps, actor, input),
      add: (actor: Actor, input: SecretAddInput & { value: Secret }) =>
        addSecret(deps, actor, input),
      list: (actor: Actor, options?: { all?: boolean }) => listSecrets(deps, actor, options),
      remove: (actor: Actor, input: { secret: string }) => removeSecret(deps, actor, input),
      use: (actor: Actor, input: { secret: string; container: string }) =>
        setSecretUse(deps, actor, input, true),
      unuse: (actor: Actor, input: { secret: string; container: string }) =>
        setSecretUse(deps, actor, input, false),
    },
    /** The egress proxy's questions: whose request is this, with which credential; count it. */
    egress: {
      credential: (input: { address: string; route: string }): EgressCredential =>
        egressCredential(deps, input),
      used: (credential: Pick<EgressCredential, "secretId" | "container">) =>
        countEgressUse(deps, credential),
    },
    doctor: (actor: Actor) => doctor(deps, actor),
    /** Admins: the audit trail, filtered; oldest first. */
    audit: (actor: Actor, query?: AuditQuery) => auditEvents(deps, actor, query),
  });
}

export type Workloads = ReturnType<typeof createWorkloads>;
