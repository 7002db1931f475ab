/** The admin CLI's verb for each chat command that voxnix's messages point users to. */
const VERB_OF_COMMAND: Readonly<Record<string, string>> = {
  list: "ls",
  all: "ls --all",
  new: "create",
  info: "info",
  up: "start",
  down: "stop",
  restart: "restart",
  logs: "logs",
  destroy: "destroy",
  usage: "usage",
  idle: "idle",
  trash: "trash ls",
  restore: "trash restore",
  users: "users ls",
  doctor: "doctor",
  snapshot: "snapshots take",
  snapshots: "snapshots ls",
  deletesnapshot: "snapshots rm",
  rollback: "rollback",
  fork: "fork",
  audit: "audit",
};

const COMMAND = new RegExp(`(^|[\\s("'])/(${Object.keys(VERB_OF_COMMAND).join("|")})\\b`, "g");

/**
 * A message written for chat ("/list shows yours"), as the admin at the CLI reads it ("voxnix
 * ls shows yours"). Workloads' refusals are written once, for every transport; each transport
 * names its own way to act on them.
 */
export const inCliTerms = (message: string): string =>
  message.replace(COMMAND, (_, before: string, command: string) => {
    return `${before}voxnix ${VERB_OF_COMMAND[command]}`;
  });
