import type { Logger } from "../log.js";
import type { Workloads } from "../workloads/index.js";
import type { BackgroundTasks } from "./background.js";

/** What every handler in bot/ works with. */
export interface BotDeps {
  readonly workloads: Workloads;
  readonly tasks: BackgroundTasks;
  readonly log: Logger;
  /** The Mini App's URL (VOXNIX_WEB_URL): cards get buttons that open it, when it is set. */
  readonly webAppUrl?: string | undefined;
}
