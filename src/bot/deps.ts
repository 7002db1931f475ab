import type { Logger } from "../log.js";
import type { Workloads } from "../workloads/index.js";
import type { BackgroundTasks } from "./background.js";

/** What every handler in bot/ works with. */
export interface BotDeps {
  readonly workloads: Workloads;
  readonly tasks: BackgroundTasks;
  readonly log: Logger;
}
