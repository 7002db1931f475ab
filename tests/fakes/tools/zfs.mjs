// Fake `zfs` (OpenZFS 2.2/2.3), as in host-cli-reference.md: datasets with quota, mountpoint,
// mounted, used/available and user properties; snapshots, rename, clone, promote, destroy -r.
// Clones depend on their origin snapshot as in real zfs: a snapshot with clones, or a
// filesystem whose snapshots have clones, is not destroyed without -R (which voxnix never
// uses); promote moves the origin's snapshots up to the clone's origin over to the clone, and is
// refused when the clone has a snapshot named like one of them (dsl_dataset_promote_check walks
// them from the origin snapshot back and stops at the first name the clone has; libzfs's
// zfs_promote then says "conflicting snapshot 'NAME' from parent 'ORIGIN'", ORIGIN being the
// clone's origin snapshot, dds_origin). A snapshot is renamed within its dataset (`zfs rename
// DS@A DS@B`, or `DS@A B`; zfs(8) rename: "snapshots can only be renamed within the parent file
// system"), its clones following it.
// Sizes are tracked, not stored: tests set a dataset's own usage with the fake host's setUsed().
import { copyBacking, mountReal, realMountsOn, unmountReal } from "../lib/real-mounts.mjs";
import { checkpoints, die, out, defineTool } from "../lib/tool.mjs";
import { readState, updateState } from "../lib/state.mjs";

const VALUE_FLAGS = new Set(["o", "t", "s", "S", "d"]);

/** zfs-style argv: clustered short flags (-Hp), flags taking a value (-o x), then operands. */
function parse(args) {
  const flags = new Set();
  const values = {};
  const operands = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith("-") && arg.length > 1 && operands.length === 0) {
      for (const [j, ch] of [...arg.slice(1)].entries()) {
        if (VALUE_FLAGS.has(ch)) {
          const value = arg.slice(j + 2) || args[++i];
          (values[ch] ??= []).push(value);
          break;
        }
        flags.add(ch);
      }
    } else operands.push(arg);
  }
  return { flags, values, operands };
}

const parentOf = (name) => (name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : undefined);
const childrenOf = (state, name) =>
  Object.keys(state.datasets).filter((d) => d.startsWith(`${name}/`));
const snapshotsOf = (state, name, recursive) =>
  Object.keys(state.snapshots).filter((s) => {
    const ds = s.slice(0, s.indexOf("@"));
    return ds === name || (recursive && ds.startsWith(`${name}/`));
  });

/** Datasets cloned from `snap`. */
const clonesOf = (state, snap) =>
  Object.keys(state.datasets)
    .filter((d) => state.datasets[d].origin === snap)
    .sort();

/** Snapshots are ordered by when they were taken (creation, then the order they were made). */
const bySnapshotAge = (state) => (a, b) =>
  state.snapshots[a].creation - state.snapshots[b].creation ||
  (state.snapshots[a].seq ?? 0) - (state.snapshots[b].seq ?? 0);

const UNITS = ["B", "K", "M", "G", "T", "P"];
function human(bytes) {
  let e = 0;
  while (e < UNITS.length - 1 && bytes >= 1024 ** (e + 1)) e++;
  const n = bytes / 1024 ** e;
  if (e === 0) return `${bytes}B`;
  return `${n >= 100 || Number.isInteger(n) ? Math.round(n) : n.toFixed(n >= 10 ? 1 : 2)}${UNITS[e]}`;
}

function parseBytes(text) {
  const m = /^(\d+(?:\.\d+)?)([BKMGTP]?)$/i.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * 1024 ** Math.max(0, UNITS.indexOf((m[2] || "B").toUpperCase())));
}

function mustExist(state, name) {
  if (!(name in state.datasets) && !(name in state.snapshots)) {
    die(`cannot open '${name}': dataset does not exist`);
  }
}

function mountpoint(state, name) {
  const local = state.datasets[name]?.props.mountpoint;
  if (local !== undefined) return local;
  const parent = parentOf(name);
  return parent === undefined
    ? `/${name}`
    : `${mountpoint(state, parent)}/${name.slice(parent.length + 1)}`;
}

function used(state, name) {
  const own = state.datasets[name]?.usedBytes ?? 0;
  const snaps = snapshotsOf(state, name, false).reduce(
    (sum, s) => sum + (state.snapshots[s].used ?? 0),
    0,
  );
  const children = Object.keys(state.datasets).filter((d) => parentOf(d) === name);
  return own + snaps + children.reduce((sum, c) => sum + used(state, c), 0);
}

function available(state, name) {
  const pool = name.split("/")[0];
  let room = state.settings.poolFreeBytes - used(state, pool);
  for (let ds = name; ds !== undefined; ds = parentOf(ds)) {
    const quota = state.datasets[ds]?.props.quota ?? 0;
    if (quota > 0) room = Math.min(room, quota - used(state, ds));
  }
  return Math.max(0, room);
}

/** User properties (names with a colon) are inherited from the nearest ancestor that sets them. */
function userProperty(state, name, prop) {
  for (let ds = name; ds !== undefined; ds = parentOf(ds)) {
    const value = state.datasets[ds]?.props[prop];
    if (value !== undefined)
      return { value, source: ds === name ? "local" : `inherited from ${ds}` };
  }
  return undefined;
}

function property(state, name, prop, parsable) {
  const size = (bytes) => (parsable ? String(bytes) : human(bytes));
  if (name.includes("@")) {
    const snap = state.snapshots[name];
    if (prop === "name") return name;
    if (prop === "used") return size(snap.used ?? 0);
    if (prop === "creation")
      return parsable ? String(snap.creation) : new Date(snap.creation * 1000).toUTCString();
    if (prop === "type") return "snapshot";
    if (prop === "clones") return clonesOf(state, name).join(",") || "-";
    return "-";
  }
  const ds = state.datasets[name];
  switch (prop) {
    case "name":
      return name;
    case "type":
      return "filesystem";
    case "used":
      return size(used(state, name));
    case "available":
    case "avail":
      return size(available(state, name));
    case "refer":
    case "referenced":
      return size(ds.usedBytes ?? 0);
    case "quota": {
      const quota = ds.props.quota ?? 0;
      return quota === 0 ? (parsable ? "0" : "none") : size(quota);
    }
    case "mountpoint":
      return mountpoint(state, name);
    case "origin":
      return ds.origin ?? "-";
    case "mounted":
      return ds.mounted ? "yes" : "no";
    case "creation":
      return parsable ? String(ds.creation) : new Date(ds.creation * 1000).toUTCString();
    default:
      return prop.includes(":") ? (userProperty(state, name, prop)?.value ?? "-") : "-";
  }
}

function table(rows, header, scripted) {
  if (scripted) return rows.map((r) => `${r.join("\t")}\n`).join("");
  const all = [header.map((h) => h.toUpperCase()), ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i]))
          .join("  ")
          .trimEnd()}\n`,
    )
    .join("");
}

function setProperty(state, name, assignment) {
  const eq = assignment.indexOf("=");
  if (eq < 1) die(`missing '=' for property=value argument`, 2);
  const prop = assignment.slice(0, eq);
  const value = assignment.slice(eq + 1);
  const ds = state.datasets[name];
  if (prop === "quota") {
    const bytes = value === "none" ? 0 : parseBytes(value);
    if (bytes === undefined) die(`cannot set property for '${name}': bad numeric value '${value}'`);
    ds.props.quota = bytes;
  } else if (prop === "mountpoint" || prop.includes(":")) {
    ds.props[prop] = value;
  } else if (
    !["compression", "atime", "recordsize", "canmount", "acltype", "xattr"].includes(prop)
  ) {
    die(`cannot set property for '${name}': invalid property '${prop}'`);
  } else ds.props[prop] = value;
}

const verbs = {
  list(state, { flags, values, operands }) {
    const fields = (values.o?.join(",") ?? "name,used,avail,refer,mountpoint").split(",");
    const snapshots = (values.t?.join(",") ?? "").includes("snapshot");
    let names;
    if (operands.length === 0)
      names = snapshots ? Object.keys(state.snapshots) : Object.keys(state.datasets);
    else {
      names = [];
      for (const name of operands) {
        mustExist(state, name);
        if (snapshots) names.push(...snapshotsOf(state, name, flags.has("r")));
        else names.push(name, ...(flags.has("r") ? childrenOf(state, name) : []));
      }
    }
    // Real zfs lists a dataset's snapshots in the order they were taken (createtxg).
    const ordered = snapshots
      ? names.sort((a, b) => {
          const [da, db] = [a.split("@")[0], b.split("@")[0]];
          return da < db ? -1 : da > db ? 1 : bySnapshotAge(state)(a, b);
        })
      : names.sort();
    const rows = ordered.map((n) => fields.map((f) => property(state, n, f, flags.has("p"))));
    out(table(rows, fields, flags.has("H")));
  },
  get(state, { flags, values, operands }) {
    const [props, ...names] = operands;
    const fields = (values.o?.join(",") ?? "name,property,value,source").split(",");
    const rows = [];
    for (const name of names) {
      mustExist(state, name);
      for (const prop of props.split(",")) {
        const value = property(state, name, prop, flags.has("p"));
        const source = prop.includes(":")
          ? (userProperty(state, name, prop)?.source ?? "-")
          : "local";
        const cell = { name, property: prop, value, source, received: "-" };
        rows.push(fields.map((f) => cell[f] ?? "-"));
      }
    }
    out(table(rows, fields, flags.has("H")));
  },
  create(state, { flags, values, operands }) {
    const [name] = operands;
    if (name in state.datasets) die(`cannot create '${name}': dataset already exists`);
    const parent = parentOf(name);
    if (parent !== undefined && !(parent in state.datasets)) {
      if (!flags.has("p")) die(`cannot create '${name}': parent does not exist`);
      verbs.create(state, { flags, values: {}, operands: [parent] });
    }
    state.datasets[name] = {
      props: {},
      mounted: true,
      usedBytes: 0,
      creation: Math.floor(Date.now() / 1000),
    };
    for (const assignment of values.o ?? []) setProperty(state, name, assignment);
    if (realMountsOn(state)) mountReal(state.datasets[name], mountpoint(state, name));
  },
  set(state, { operands }) {
    const [assignment, ...names] = operands;
    for (const name of names) {
      mustExist(state, name);
      setProperty(state, name, assignment);
    }
  },
  mount(state, { operands }) {
    const [name] = operands;
    mustExist(state, name);
    if (state.datasets[name].mounted) die(`cannot mount '${name}': filesystem already mounted`);
    state.datasets[name].mounted = true;
    if (realMountsOn(state)) mountReal(state.datasets[name], mountpoint(state, name));
  },
  unmount(state, { operands }) {
    const [name] = operands;
    mustExist(state, name);
    if (!state.datasets[name].mounted) die(`cannot unmount '${name}': not currently mounted`);
    state.datasets[name].mounted = false;
    if (realMountsOn(state)) unmountReal(mountpoint(state, name));
  },
  snapshot(state, { operands }) {
    const [full] = operands;
    const [name] = full.split("@");
    mustExist(state, name);
    if (full in state.snapshots) die(`cannot create snapshot '${full}': dataset already exists`);
    state.snapshotSeq = (state.snapshotSeq ?? 0) + 1;
    state.snapshots[full] = {
      creation: Math.floor(Date.now() / 1000),
      used: 0,
      seq: state.snapshotSeq,
      // What the dataset held when it was taken (tests mark it with FakeHost.setContent).
      content: state.datasets[name].content,
      ...(realMountsOn(state) ? { dataId: copyBacking(state.datasets[name].dataId) } : {}),
    };
  },
  rename(state, { operands }) {
    const [from, to] = operands;
    mustExist(state, from);
    if (from.includes("@")) {
      const dataset = from.slice(0, from.indexOf("@"));
      const target = to.includes("@") ? to : `${dataset}@${to}`;
      if (target.slice(0, target.indexOf("@")) !== dataset)
        die(`cannot rename to '${to}': snapshots must be part of same dataset`);
      if (target in state.snapshots) die(`cannot rename to '${target}': dataset already exists`);
      for (const clone of clonesOf(state, from)) state.datasets[clone].origin = target;
      state.snapshots[target] = state.snapshots[from];
      delete state.snapshots[from];
      return;
    }
    if (to in state.datasets) die(`cannot rename to '${to}': dataset already exists`);
    const parent = parentOf(to);
    if (parent !== undefined && !(parent in state.datasets))
      die(`cannot rename to '${to}': parent does not exist`);
    const moved = (n) => `${to}${n.slice(from.length)}`;
    const subtree = [from, ...childrenOf(state, from)].sort();
    // A rename unmounts the subtree and mounts it again where its mountpoints now are.
    const real = realMountsOn(state);
    if (real) for (const ds of [...subtree].reverse()) unmountReal(mountpoint(state, ds));
    for (const ds of subtree) {
      state.datasets[moved(ds)] = state.datasets[ds];
      delete state.datasets[ds];
    }
    if (real)
      for (const ds of subtree.map(moved))
        if (state.datasets[ds].mounted) mountReal(state.datasets[ds], mountpoint(state, ds));
    for (const snap of snapshotsOf(state, from, true)) {
      state.snapshots[moved(snap)] = state.snapshots[snap];
      delete state.snapshots[snap];
      for (const clone of clonesOf(state, snap)) state.datasets[clone].origin = moved(snap);
    }
  },
  promote(state, { operands }) {
    const [name] = operands;
    mustExist(state, name);
    const origin = state.datasets[name].origin;
    if (!origin) die(`cannot promote '${name}': not a cloned filesystem`);
    const parent = origin.slice(0, origin.indexOf("@"));
    // The origin snapshot and every older one of the origin filesystem move to the clone.
    const moving = snapshotsOf(state, parent, false)
      .sort(bySnapshotAge(state))
      .filter((s) => bySnapshotAge(state)(s, origin) <= 0);
    for (const snap of [...moving].reverse()) {
      const target = `${name}${snap.slice(parent.length)}`;
      if (target in state.snapshots)
        die(
          `cannot promote '${name}': conflicting snapshot '${snap.slice(parent.length + 1)}' from parent '${origin}'`,
        );
    }
    state.datasets[name].origin = state.datasets[parent].origin;
    for (const snap of moving) {
      const target = `${name}${snap.slice(parent.length)}`;
      state.snapshots[target] = state.snapshots[snap];
      delete state.snapshots[snap];
      for (const clone of clonesOf(state, snap)) state.datasets[clone].origin = target;
    }
    // The clone gets the origin snapshot; the former parent is now its clone.
    state.datasets[parent].origin = `${name}${origin.slice(parent.length)}`;
  },
  clone(state, { values, operands }) {
    const [snap, to] = operands;
    if (!(snap in state.snapshots)) die(`cannot open '${snap}': dataset does not exist`);
    if (to in state.datasets) die(`cannot create '${to}': dataset already exists`);
    const parent = parentOf(to);
    if (parent !== undefined && !(parent in state.datasets))
      die(`cannot create '${to}': parent does not exist`);
    state.datasets[to] = {
      props: {},
      mounted: true,
      // A clone shares its origin's blocks: it uses nothing of its own until written to.
      usedBytes: 0,
      content: state.snapshots[snap].content,
      creation: Math.floor(Date.now() / 1000),
      origin: snap,
    };
    for (const assignment of values.o ?? []) setProperty(state, to, assignment);
    if (realMountsOn(state)) {
      state.datasets[to].dataId = copyBacking(state.snapshots[snap].dataId);
      mountReal(state.datasets[to], mountpoint(state, to));
    }
  },
  destroy(state, { flags, operands }) {
    const [name] = operands;
    mustExist(state, name);
    const dependents = (name.includes("@") ? [name] : snapshotsOf(state, name, true))
      .flatMap((snap) => clonesOf(state, snap))
      .filter((clone) => clone !== name && !clone.startsWith(`${name}/`));
    if (dependents.length > 0 && !flags.has("R"))
      die(
        `cannot destroy '${name}': ${name.includes("@") ? "snapshot" : "filesystem"} has dependent clones\nuse '-R' to destroy the following datasets:\n${dependents.join("\n")}`,
      );
    if (dependents.length > 0) die("fake zfs: destroy -R is not modelled (voxnix never uses it)");
    if (name.includes("@")) {
      delete state.snapshots[name];
      return;
    }
    const children = [...childrenOf(state, name), ...snapshotsOf(state, name, true)];
    if (children.length > 0 && !flags.has("r")) {
      die(
        `cannot destroy '${name}': filesystem has children\nuse '-r' to destroy the following datasets:\n${children.sort().join("\n")}`,
      );
    }
    const doomed = [name, ...childrenOf(state, name)].sort().reverse();
    if (realMountsOn(state)) for (const ds of doomed) unmountReal(mountpoint(state, ds));
    for (const ds of doomed) delete state.datasets[ds];
    for (const snap of snapshotsOf(state, name, true)) delete state.snapshots[snap];
  },
};

const READ_ONLY = new Set(["list", "get"]);

export default defineTool("zfs", async (args) => {
  const [verb, ...rest] = args;
  if (!(verb in verbs)) die(`unrecognized command '${verb ?? ""}'\nusage: zfs command args ...`, 2);
  await checkpoints("zfs", args, verb)();
  const parsed = parse(rest);
  if (READ_ONLY.has(verb)) verbs[verb](readState(), parsed);
  else updateState((state) => verbs[verb](state, parsed));
});
