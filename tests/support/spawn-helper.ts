import { inject } from "vitest";

/**
 * The voxnix-spawn this run built (bundle.ts), for the runners a test makes in its own process,
 * as the daemon's runner uses the one beside its bundle; undefined where nothing compiles C,
 * and those runners fork.
 */
export const testSpawnHelper = (): string | undefined => inject("spawnHelper") || undefined;
