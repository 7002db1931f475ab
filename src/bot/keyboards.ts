import { InlineKeyboard } from "grammy";

/**
 * Callback data. Telegram caps it at 64 bytes and anyone can forge it, so it carries only
 * opaque ids and names; every press is re-checked server-side (workloads/).
 */
export const CALLBACK = {
  confirm: (id: string) => `y:${id}`,
  cancel: (id: string) => `n:${id}`,
  pick: (verb: string, name: string) => `p:${verb}:${name}`,
  toggleModule: (name: string, modules: readonly string[]) => `m:${name}:${modules.join(",")}`,
  createWith: (name: string, modules: readonly string[]) => `k:${name}:${modules.join(",")}`,
  requestAccess: "access:request",
} as const;

export function confirmKeyboard(id: string, yes = "Yes, destroy", no = "No") {
  return new InlineKeyboard().text(yes, CALLBACK.confirm(id)).text(no, CALLBACK.cancel(id));
}

/** One button per container, three a row, for a command given without a name. */
export function pickerKeyboard(verb: string, names: readonly string[]) {
  const keyboard = new InlineKeyboard();
  names.forEach((name, i) => {
    keyboard.text(name, CALLBACK.pick(verb, name));
    if (i % 3 === 2) keyboard.row();
  });
  return keyboard;
}

/** Module toggles for /new NAME, then a create button. */
export function moduleKeyboard(
  name: string,
  available: readonly string[],
  selected: readonly string[],
) {
  const keyboard = new InlineKeyboard();
  available.forEach((module, i) => {
    const on = selected.includes(module);
    const next = on ? selected.filter((m) => m !== module) : [...selected, module].sort();
    keyboard.text(`${on ? "✅" : "▫️"} ${module}`, CALLBACK.toggleModule(name, next));
    if (i % 2 === 1) keyboard.row();
  });
  return keyboard.row().text(`Create ${name}`, CALLBACK.createWith(name, selected));
}
