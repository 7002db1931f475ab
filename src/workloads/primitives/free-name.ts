/** A free name close to `name`: `dev` → `dev-2`, `dev-3`, …, trimmed to stay within 11 characters. */
export function suggestFreeName(name: string, isTaken: (candidate: string) => boolean): string {
  for (let n = 2; n < 1000; n++) {
    const suffix = `-${n}`;
    const candidate = `${name.slice(0, 11 - suffix.length).replace(/-+$/, "")}${suffix}`;
    if (!isTaken(candidate)) return candidate;
  }
  return `${name.slice(0, 6)}-${Date.now().toString(36).slice(-4)}`;
}

/** `wanted`, or else the first of `wanted-2`, `wanted-3`, … that is not taken. */
export function firstUnused(wanted: string, isTaken: (candidate: string) => boolean): string {
  let candidate = wanted;
  for (let n = 2; isTaken(candidate); n++) candidate = `${wanted}-${n}`;
  return candidate;
}
