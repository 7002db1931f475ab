import { InlineKeyboard } from "grammy";
import { isContainerName, isSnapshotName, type NoticePress } from "../workloads/index.js";

/**
 * Callback data, encoded and decoded here and nowhere else. Telegram caps it at 64 bytes and
 * anyone can forge it, so it carries only opaque ids and names; every press is re-checked
 * server-side (workloads/) against the presser's identity.
 */
export type Press =
  | { readonly kind: "confirm"; readonly id: string }
  | { readonly kind: "cancel"; readonly id: string }
  | { readonly kind: "pick"; readonly verb: string; readonly name: string }
  /** /rollback NAME's picker: roll NAME back to this snapshot (a card asks first). */
  | { readonly kind: "pick-snapshot"; readonly name: string; readonly snapshot: string }
  /** A module picker's toggle: for a /new (create) or a /modules NAME (change). */
  | {
      readonly kind: "toggle-module";
      readonly purpose: PickerPurpose;
      readonly name: string;
      readonly modules: string[];
    }
  | { readonly kind: "create-with"; readonly name: string; readonly modules: string[] }
  /** /modules NAME's picker: change the container to have exactly these modules. */
  | { readonly kind: "change-to"; readonly name: string; readonly modules: string[] }
  /** A trashed workspace back under the name it had: Undo after a destroy, /restore's picker. */
  | { readonly kind: "restore"; readonly trashId: string }
  /** The same, under another name: offered when its old name was taken meanwhile. */
  | { readonly kind: "restore-as"; readonly trashId: string; readonly name: string }
  /** Under an idle warning (workloads/policy/idle.ts makes the data): keep it running, or stop it now. */
  | { readonly kind: "idle"; readonly action: "keep" | "stop"; readonly name: string }
  | { readonly kind: "request-access" };

/** What a module picker's last button does with the modules chosen. */
export type PickerPurpose = "create" | "change";

const REQUEST_ACCESS = "access:request";

export function encodePress(press: Press): string {
  switch (press.kind) {
    case "confirm":
      return `y:${press.id}`;
    case "cancel":
      return `n:${press.id}`;
    case "pick":
      return `p:${press.verb}:${press.name}`;
    case "pick-snapshot":
      return `s:${press.name}:${press.snapshot}`;
    case "toggle-module":
      return `${press.purpose === "create" ? "m" : "t"}:${press.name}:${press.modules.join(",")}`;
    case "create-with":
      return `k:${press.name}:${press.modules.join(",")}`;
    case "change-to":
      return `c:${press.name}:${press.modules.join(",")}`;
    case "restore":
      return `r:${press.trashId}`;
    case "restore-as":
      return `R:${press.trashId}:${press.name}`;
    case "idle":
      return `i:${press.action}:${press.name}`;
    case "request-access":
      return REQUEST_ACCESS;
  }
}

/** Trash ids as voxnix makes them (host/storage.ts trashIdFor, plus a counter on a clash). */
const TRASH_ID = /^[a-z0-9-]{1,40}$/;

const MODULES = /^(?:[a-z0-9-]+(?:,[a-z0-9-]+)*)?$/;

/** The press that `data` encodes, or undefined for anything this bot never sent. */
export function decodePress(data: string): Press | undefined {
  if (data === REQUEST_ACCESS) return { kind: "request-access" };
  const [tag, first = "", ...rest] = data.split(":");
  const second = rest.join(":");
  switch (tag) {
    case "y":
    case "n":
      if (!first || rest.length > 0) return undefined;
      return { kind: tag === "y" ? "confirm" : "cancel", id: first };
    case "p":
      if (!/^\w+$/.test(first) || !isContainerName(second)) return undefined;
      return { kind: "pick", verb: first, name: second };
    case "m":
    case "t":
    case "k":
    case "c": {
      if (!isContainerName(first) || rest.length !== 1 || !MODULES.test(second)) return undefined;
      const modules = second.split(",").filter(Boolean);
      if (tag === "k") return { kind: "create-with", name: first, modules };
      if (tag === "c") return { kind: "change-to", name: first, modules };
      return {
        kind: "toggle-module",
        purpose: tag === "m" ? "create" : "change",
        name: first,
        modules,
      };
    }
    case "s":
      if (!isContainerName(first) || rest.length !== 1 || !isSnapshotName(second)) return undefined;
      return { kind: "pick-snapshot", name: first, snapshot: second };
    case "r":
      if (!TRASH_ID.test(first) || rest.length > 0) return undefined;
      return { kind: "restore", trashId: first };
    case "R":
      if (!TRASH_ID.test(first) || rest.length !== 1 || !isContainerName(second)) return undefined;
      return { kind: "restore-as", trashId: first, name: second };
    case "i":
      if ((first !== "keep" && first !== "stop") || !isContainerName(second)) return undefined;
      return { kind: "idle", action: first, name: second };
    default:
      return undefined;
  }
}

/**
 * Buttons that open the Mini App (src/web/) inside Telegram: the container's terminal while it
 * runs, and the dashboard. Telegram allows web_app buttons in private chats only.
 */
export function webAppKeyboard(url: string, name: string, running: boolean) {
  const keyboard = new InlineKeyboard();
  if (running) keyboard.webApp("Terminal", `${url}/?terminal=${encodeURIComponent(name)}`);
  return keyboard.webApp("Dashboard", `${url}/`);
}

export function confirmKeyboard(id: string, yes = "Yes, destroy", no = "No") {
  return new InlineKeyboard()
    .text(yes, encodePress({ kind: "confirm", id }))
    .text(no, encodePress({ kind: "cancel", id }));
}

/** A button per label, three a row, each pressing what `pressOf` makes of its label. */
function threeARow(labels: readonly string[], pressOf: (label: string) => Press) {
  const keyboard = new InlineKeyboard();
  labels.forEach((label, i) => {
    keyboard.text(label, encodePress(pressOf(label)));
    if (i % 3 === 2) keyboard.row();
  });
  return keyboard;
}

/** One button per snapshot, oldest first: /rollback NAME without one. */
export const snapshotKeyboard = (name: string, snapshots: readonly string[]) =>
  threeARow(snapshots, (snapshot) => ({ kind: "pick-snapshot", name, snapshot }));

/** One button per container, for a command given without a name. */
export const pickerKeyboard = (verb: string, names: readonly string[]) =>
  threeARow(names, (name) => ({ kind: "pick", verb, name }));

/**
 * Module toggles, then the button that acts on the choice: for /new NAME, create it with them;
 * for /modules NAME, change it to have them.
 */
export function moduleKeyboard(
  purpose: PickerPurpose,
  name: string,
  available: readonly string[],
  selected: readonly string[],
) {
  const keyboard = new InlineKeyboard();
  available.forEach((module, i) => {
    const on = selected.includes(module);
    const next = on ? selected.filter((m) => m !== module) : [...selected, module].sort();
    keyboard.text(
      `${on ? "✅" : "▫️"} ${module}`,
      encodePress({ kind: "toggle-module", purpose, name, modules: next }),
    );
    if (i % 2 === 1) keyboard.row();
  });
  const modules = [...selected];
  return keyboard
    .row()
    .text(
      purpose === "create" ? `Create ${name}` : `Change ${name}`,
      encodePress(
        purpose === "create"
          ? { kind: "create-with", name, modules }
          : { kind: "change-to", name, modules },
      ),
    );
}

/** Under a destroy's outcome: its workspace back, while the trash keeps it. */
export const undoKeyboard = (trashId: string) =>
  new InlineKeyboard().text("↩️ Undo", encodePress({ kind: "restore", trashId }));

/** /restore without arguments: one button per trashed workspace, restored under its old name. */
export function trashKeyboard(
  entries: readonly { id: string; containerName: string; trashedAtMs: number }[],
) {
  const keyboard = new InlineKeyboard();
  entries.forEach((entry, i) => {
    const when = new Date(entry.trashedAtMs).toISOString().slice(5, 16).replace("T", " ");
    keyboard.text(
      `${entry.containerName} (${when})`,
      encodePress({ kind: "restore", trashId: entry.id }),
    );
    if (i % 2 === 1) keyboard.row();
  });
  return keyboard;
}

/** A notice's button (what workloads asked for) as this bot's press. */
export const noticePressData = (press: NoticePress): string =>
  encodePress(
    press.kind === "restore" || press.kind === "confirm" || press.kind === "cancel"
      ? press
      : { kind: "idle", action: press.kind === "stop" ? "stop" : "keep", name: press.name },
  );

/** A press this bot made as a notice's button, or undefined for one a notice cannot carry. */
export function noticePressOf(data: string): NoticePress | undefined {
  const press = decodePress(data);
  switch (press?.kind) {
    case "restore":
    case "confirm":
    case "cancel":
      return press;
    case "idle":
      return { kind: press.action === "stop" ? "stop" : "keep-alive", name: press.name };
    default:
      return undefined;
  }
}

/** Telegram's limit on a button's callback data, in bytes. */
const CALLBACK_DATA_BYTES = 64;

/** "Restore as NAME" for a trashed workspace, when its data fits in a button. */
export function restoreAsKeyboard(trashId: string, name: string) {
  const data = encodePress({ kind: "restore-as", trashId, name });
  if (Buffer.byteLength(data) > CALLBACK_DATA_BYTES) return undefined;
  return new InlineKeyboard().text(`Restore as ${name}`, data);
}

/** The button under a stranger's refusal. */
export const requestAccessButton = () => ({
  text: "Request access",
  callback_data: encodePress({ kind: "request-access" }),
});
export const isRequestAccess = (data: string | undefined) =>
  data !== undefined && decodePress(data)?.kind === "request-access";
