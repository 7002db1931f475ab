// Fake `zpool` (OpenZFS 2.2/2.3): `list [-H] [-p] [-o props] [POOL]` only, from the fake host's
// pool settings (poolHealth, poolFreeBytes) and the datasets' usage. Scripted mode (-H) separates
// fields by one tab; an unknown pool fails with `cannot open 'NAME': no such pool` (zpool-list(8)).
import { readState } from "../lib/state.mjs";
import { checkpoints, die, out, defineTool } from "../lib/tool.mjs";

export default defineTool("zpool", async (args) => {
  const [verb, ...rest] = args;
  if (verb !== "list") die(`unrecognized command '${verb ?? ""}'`, 2);
  await checkpoints("zpool", args, verb)();
  const props = (rest[rest.indexOf("-o") + 1] ?? "name,size,free,health").split(",");
  const pools = rest.filter((a, i) => !a.startsWith("-") && rest[i - 1] !== "-o");
  const state = readState();
  const names = pools.length ? pools : Object.keys(state.datasets).filter((d) => !d.includes("/"));
  const rows = names.map((pool) => {
    if (!(pool in state.datasets)) die(`cannot open '${pool}': no such pool`);
    const used = Object.entries(state.datasets)
      .filter(([name]) => name === pool || name.startsWith(`${pool}/`))
      .reduce((sum, [, ds]) => sum + (ds.usedBytes ?? 0), 0);
    const free = state.settings.poolFreeBytes - used;
    const values = {
      name: pool,
      size: String(state.settings.poolFreeBytes),
      free: String(free),
      allocated: String(used),
      health: state.settings.poolHealth ?? "ONLINE",
    };
    return props.map((p) => values[p] ?? "-").join("\t");
  });
  out(rows.map((r) => `${r}\n`).join(""));
});
