/** A value that survives JSON.stringify/JSON.parse unchanged: what the store keeps in TEXT columns. */
export type Json =
  string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

export function toJsonText(value: Json | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJsonText<T extends Json>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}
