import type { Agent } from "./agent.js";

/**
 * An agent whose module, and the AI SDK under it (about a third of the daemon's start-up),
 * loads on `preload()` or on the first turn, whichever comes first: the daemon starts serving
 * commands without waiting for it.
 */
export function deferredAgent(load: () => Promise<Agent>): Agent & { preload(): void } {
  let loading: Promise<Agent> | undefined;
  const agent = () => (loading ??= load());
  return {
    turn: async (...args) => (await agent()).turn(...args),
    // A failure to load surfaces in the first turn, which reports it like any other fault.
    preload: () => void agent().catch(() => {}),
  };
}
