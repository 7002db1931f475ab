import { describeConfig, loadConfig } from "../config.js";

/**
 * `voxnix config check`: the effective configuration, secrets masked, as the daemon would see it.
 * Checked for serving, so a clean result means `serve` will start.
 * @throws ConfigError listing every problem
 */
export function configCheck(env: NodeJS.ProcessEnv, print: (line: string) => void): void {
  const config = loadConfig(env, { purpose: "serve" });
  const entries = Object.entries(describeConfig(config));
  const width = Math.max(...entries.map(([name]) => name.length));
  for (const [name, value] of entries) print(`${name.padEnd(width)}  ${value}`);
  print("configuration ok");
}
