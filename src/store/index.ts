import { addressesRepository } from "./addresses.js";
import { auditRepository } from "./audit.js";
import { userQuotasRepository } from "./user-quotas.js";
import { notificationsRepository } from "./notifications.js";
import { activityRepository } from "./activity.js";
import { chatHistoryRepository } from "./chat-history.js";
import { containersRepository } from "./containers.js";
import { openDatabase, type Db } from "./database.js";
import { noticesRepository } from "./notices.js";
import { operationsRepository } from "./operations.js";
import type { JsonObject } from "./json.js";
import { pendingActionsRepository } from "./pending-actions.js";
import { tailnetBindingsRepository } from "./tailnet-bindings.js";
import { JSON_SPEC, type SpecCodec } from "./spec-codec.js";
import { trashRepository } from "./trash.js";
import { usageHistoryRepository } from "./usage-history.js";
import { usersRepository } from "./users.js";
import { secretsRepository } from "./secrets.js";

export type { AddressRange } from "./addresses.js";
export type { AuditEntry, AuditOutcome } from "./audit.js";
export type { Turn } from "./chat-history.js";
export { CONTAINER_STATES, type ContainerRecord, type ContainerState } from "./containers.js";
export { SchemaTooNewError } from "./database.js";
export { UnreadableSpecError, type SpecCodec } from "./spec-codec.js";
export type { Json, JsonObject } from "./json.js";
export type { NoticeButton, NoticePress, NoticeRecord } from "./notices.js";
export {
  OPERATION_KINDS,
  type BeginResult,
  type Holder,
  type OperationKind,
  type OperationRecord,
  type ReportTarget,
} from "./operations.js";
export type { ConsumeRefusal, ConsumeResult, PendingAction } from "./pending-actions.js";
export type { TailnetBinding } from "./tailnet-bindings.js";
export type { TrashKept, TrashRecord } from "./trash.js";
export type { Role, UserRecord } from "./users.js";
export type { UserQuota } from "./user-quotas.js";
export type { ActivityRecord } from "./activity.js";
export type { UsageSample } from "./usage-history.js";
export type { SecretRecord, SecretUse } from "./secrets.js";

export interface StoreOptions<Spec> {
  /** The clock every timestamp comes from, in epoch ms (tests pass a fake one). */
  readonly now?: () => number;
  /** Parses the container specs it reads (default: any JSON object, unchecked). */
  readonly spec?: SpecCodec<Spec>;
}

/** The host-side registry. All SQL in voxnix lives below this interface. */
export function openStore<Spec = JsonObject>(path: string, options: StoreOptions<Spec> = {}) {
  const now = options.now ?? Date.now;
  const codec = options.spec ?? (JSON_SPEC as unknown as SpecCodec<Spec>);
  const db: Db = openDatabase(path);
  const chatHistory = chatHistoryRepository(db, now);
  return {
    containers: containersRepository(db, now, codec),
    addresses: addressesRepository(db, now),
    users: usersRepository(db, now),
    userQuotas: userQuotasRepository(db, now),
    audit: auditRepository(db, now),
    chatHistory,
    pendingActions: pendingActionsRepository(db, now),
    trash: trashRepository(db, now, codec),
    operations: operationsRepository(db, now),
    notices: noticesRepository(db, now),
    notifications: notificationsRepository(db, now),
    activity: activityRepository(db, now),
    usageHistory: usageHistoryRepository(db, now),
    tailnetBindings: tailnetBindingsRepository(db, now),
    secrets: secretsRepository(db, now),
    /** Runs `fn` atomically; a throw rolls back every write made inside it. */
    transaction<T>(fn: () => T): T {
      // Exchanges waiting to be written go first: its rollback is not theirs.
      chatHistory.flush();
      return db.transaction(fn).immediate();
    },
    close(): void {
      chatHistory.flush();
      db.close();
    },
  };
}

export type Store<Spec = JsonObject> = ReturnType<typeof openStore<Spec>>;
