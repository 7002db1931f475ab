import type { Config } from "../../config.js";
import type { ContainerNetwork } from "../../container-network.js";
import type { ContainerModule, Host } from "../../host/index.js";
import type { EgressEnvFiles } from "../../host/egress-env.js";
import type { TailscaleApi } from "../../host/tailscale-api.js";
import type { Logger } from "../../log.js";
import type { Secret } from "../../secret.js";
import type { ReportTarget, Store } from "../../store/index.js";
import type { SecretBox } from "./secret-box.js";
import type { Semaphore } from "./semaphore.js";
import type { ContainerSpec } from "./spec.js";

/** Everything workloads/ operations need, passed in (style.md: dependencies arrive as arguments). */
export interface WorkloadDeps {
  readonly store: Store<ContainerSpec>;
  readonly host: Host;
  readonly log: Logger;
  /** The module library, read once at start-up. */
  readonly modules: readonly ContainerModule[];
  readonly limits: Config["limits"];
  /** Where containers' addresses come from (workloads/primitives/addresses.ts); 10.100.0.0/24 if unset. */
  readonly containerNetwork?: ContainerNetwork | undefined;
  /** Admins and users from configuration; approved users are in the store. */
  readonly access: Config["access"];
  /** The static key (TAILSCALE_AUTH_KEY_FILE): the fallback when there is no OAuth client. */
  readonly tailscaleKey: Secret | undefined;
  /**
   * The Tailscale API through the admin's OAuth client, and the tags of container keys: each
   * container then gets a key of its own (workloads/primitives/tailnet.ts). With neither this nor a static
   * key, the tailscale module is refused.
   */
  readonly tailnet?: { readonly api: TailscaleApi; readonly tags: readonly string[] } | undefined;
  /**
   * Secrets used through the egress proxy (workloads/operations/secrets.ts): the box that seals
   * them, the proxy's URL as containers reach it (http://HOST:PORT) and each container's egress
   * environment on the host. Undefined without VOXNIX_SECRETS_KEY_FILE: /secret is refused.
   */
  readonly secrets?:
    | {
        readonly box: SecretBox;
        readonly proxyUrl: string;
        readonly envFiles: EgressEnvFiles;
      }
    | undefined;
  /** Bounds concurrent Nix builds host-wide. */
  readonly buildSlots: Semaphore;
  readonly now: () => number;
}

/** Steps a long operation reports while it runs (bot/ edits one message with them). */
export type ProgressStep = "queued" | "workspace" | "building" | "starting" | "enrolling";

export interface OperationOptions {
  readonly onProgress?: (step: ProgressStep, detail?: string) => void;
  readonly signal?: AbortSignal;
  /** The message showing this operation's progress: after a crash, reconcile edits it. */
  readonly report?: ReportTarget | undefined;
}
