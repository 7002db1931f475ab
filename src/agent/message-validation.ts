import { modelMessageSchema } from "ai";

/**
 * Makes the AI SDK's check of each request's messages cost what the messages cost.
 *
 * Every generateText call validates its messages against a new `z.array(modelMessageSchema)`.
 * Before parsing through a new schema, zod's cycle guard asks whether it can recurse, and it
 * caches only a certain answer: while the lazy JSON-value schema inside the message schema
 * (provider options) has never been parsed, the answer stays "assumed", and the whole message
 * schema is walked again on every request. A history of plain replies and tool calls never
 * parses it. The walk cost 0.05–0.07 ms a request here, as much as validating a 17-message
 * history. One message that carries provider options resolves the lazy schema for the process;
 * from then on the walk is answered from zod's cache. Harmless if zod or the SDK change: it is
 * one more valid message parsed, once. Returns whether the message was valid: one that is not
 * stops before the lazy schema and warms nothing.
 */
export function warmMessageValidation(): boolean {
  return modelMessageSchema.safeParse({
    role: "user",
    content: "",
    providerOptions: { voxnix: { warm: [{ up: null }] } },
  }).success;
}
