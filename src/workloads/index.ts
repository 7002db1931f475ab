import type { Actor } from "./actor.js";
import { containerInfo } from "./container-info.js";
import { containerLogs } from "./container-logs.js";
import { createContainer } from "./create-container.js";
import type { OperationOptions, WorkloadDeps } from "./deps.js";
import { cancelAction, requestAccess } from "./access-requests.js";
import { conversation } from "./conversation.js";
import { confirmAction, confirmDestroy, requestDestroy } from "./destroy-container.js";
import { doctor } from "./doctor.js";
import { listContainers } from "./list-containers.js";
import { restartContainer, startContainer, stopContainer } from "./power.js";
import { reconcile } from "./reconcile.js";
import type { CreateInput, NameInput } from "./spec.js";
import { listTrash, purgeTrash, restoreFromTrash } from "./trash.js";
import { usage } from "./usage.js";
import { accessOf, grantUser, listUsers, revokeUser } from "./users.js";

export { auditName, SYSTEM_ACTOR, type Actor } from "./actor.js";
export type { ContainerInfo } from "./container-info.js";
export { HISTORY_MAX_AGE_MS, HISTORY_TURNS } from "./conversation.js";
export { buildSpec, type BuildSpecOptions } from "./build-spec.js";
export { MIN_FREE_BYTES, type CreateResult } from "./create-container.js";
export type { OperationOptions, ProgressStep, WorkloadDeps } from "./deps.js";
export {
  CONFIRMATION_TTL_MS,
  type ConfirmationRequest,
  type DestroyResult,
} from "./destroy-container.js";
export type { Check } from "./doctor.js";
export { STALE_NOTE, type ContainerSummary } from "./list-containers.js";
export { createKeyedLock, createSemaphore } from "./locks.js";
export type { ReconcileReport } from "./reconcile.js";
export { Refusal, type RefusalReason } from "./refusal.js";
export { containerName, ContainerSpec, type CreateInput } from "./spec.js";
export type { TrashEntry } from "./trash.js";
export type { ContainerModule } from "../host/index.js";
export type { Json } from "../store/index.js";
export type { PowerResult } from "./power.js";
export type { Usage } from "./usage.js";
export type { UserAccess } from "./users.js";

/**
 * The one service behind the bot's commands, the LLM's tools and the admin CLI: every rule
 * (validation, ownership, limits, locks, rollback, audit) lives behind these methods.
 */
export function createWorkloads(deps: WorkloadDeps) {
  return {
    modules: () => deps.modules,
    create: (actor: Actor, input: CreateInput, options?: OperationOptions) =>
      createContainer(deps, actor, input, options),
    start: (actor: Actor, input: NameInput) => startContainer(deps, actor, input),
    stop: (actor: Actor, input: NameInput) => stopContainer(deps, actor, input),
    restart: (actor: Actor, input: NameInput) => restartContainer(deps, actor, input),
    requestDestroy: (actor: Actor, input: NameInput) => requestDestroy(deps, actor, input),
    confirm: (actor: Actor, id: string) => confirmAction(deps, actor, id),
    confirmDestroy: (actor: Actor, id: string) => confirmDestroy(deps, actor, id),
    cancel: (actor: Actor, id: string) => cancelAction(deps, actor, id),
    requestAccess: (requester: { id: number; name: string }) => requestAccess(deps, requester),
    list: (actor: Actor, options?: { all?: boolean }) => listContainers(deps, actor, options),
    info: (actor: Actor, input: NameInput) => containerInfo(deps, actor, input),
    logs: (actor: Actor, input: { name: string; lines?: number }) =>
      containerLogs(deps, actor, input),
    usage: (actor: Actor, options?: { userId?: number }) => usage(deps, actor, options),
    trash: (actor: Actor, options?: { all?: boolean }) => listTrash(deps, actor, options),
    restore: (
      actor: Actor,
      input: { id: string; name: string; modules?: string[] },
      options?: OperationOptions,
    ) => restoreFromTrash(deps, actor, input, options),
    purgeTrash: (actor: Actor, options?: { everything?: boolean }) =>
      purgeTrash(deps, actor, options),
    reconcile: () => reconcile(deps),
    conversation: conversation(deps),
    accessOf: (userId: number) => accessOf(deps, userId),
    users: (actor: Actor) => listUsers(deps, actor),
    grant: (actor: Actor, input: { id: number; role?: "admin" | "user"; displayName?: string }) =>
      grantUser(deps, actor, input),
    revoke: (actor: Actor, userId: number) => revokeUser(deps, actor, userId),
    doctor: (actor: Actor) => doctor(deps, actor),
  };
}

export type Workloads = ReturnType<typeof createWorkloads>;
