// Fake `chown UID:GID PATH` (coreutils), for what voxnix gives away: a workspace's root. The
// fake zfs mounts nothing, so the owner is recorded beside the dataset whose mountpoint PATH is
// (state.owners), and a path that is nobody's mountpoint fails as the real chown fails on a
// missing file.
import { readState, updateState } from "../lib/state.mjs";
import { checkpoints, defineTool, die } from "../lib/tool.mjs";

export default defineTool("chown", async (args) => {
  await checkpoints("chown", args, null)();
  const [owner, path] = args.filter((a) => !a.startsWith("-"));
  if (!owner || !path) die("chown: missing operand");
  if (!/^\d+:\d+$/.test(owner)) die(`chown: invalid spec: '${owner}'`);
  const mounted = Object.entries(readState().datasets).some(
    ([name, d]) => d.mounted && `/${name}` === path,
  );
  if (!mounted) die(`chown: cannot access '${path}': No such file or directory`);
  updateState((state) => {
    state.owners ??= {};
    state.owners[path] = owner;
  });
});
