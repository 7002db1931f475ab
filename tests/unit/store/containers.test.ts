import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore, UnreadableSpecError } from "../../../src/store/index.js";
import { tempDir } from "../../support/temp-dir.js";

function store(now = () => 1_000) {
  return openStore(join(tempDir(), "voxnix.sqlite"), { now });
}

const spec = { name: "dev", modules: ["git", "fish"] };

describe("containers repository", () => {
  it("registers a container and finds it by name and owner", () => {
    const s = store();
    expect(s.containers.insert({ name: "dev", ownerId: 1001, spec, state: "creating" })).toBe(true);
    expect(s.containers.find("dev")).toEqual({
      name: "dev",
      ownerId: 1001,
      spec,
      state: "creating",
      createdAtMs: 1_000,
      updatedAtMs: 1_000,
      trashId: undefined,
    });
    expect(s.containers.listByOwner(1001).map((c) => c.name)).toEqual(["dev"]);
    expect(s.containers.listByOwner(2002)).toEqual([]);
  });

  it("refuses a name that exists for anyone, leaving the first owner's row untouched", () => {
    const s = store();
    s.containers.insert({ name: "dev", ownerId: 1001, spec, state: "running" });
    expect(
      s.containers.insert({
        name: "dev",
        ownerId: 2002,
        spec: { name: "dev", modules: [] },
        state: "creating",
      }),
    ).toBe(false);
    expect(s.containers.find("dev")).toMatchObject({ ownerId: 1001, state: "running", spec });
    expect(s.containers.countAll()).toBe(1);
  });

  it("counts per owner and host-wide", () => {
    const s = store();
    for (const [name, owner] of [
      ["a", 1],
      ["b", 1],
      ["c", 2],
    ] as const) {
      s.containers.insert({ name, ownerId: owner, spec: { name }, state: "running" });
    }
    expect(s.containers.countByOwner(1)).toBe(2);
    expect(s.containers.countByOwner(3)).toBe(0);
    expect(s.containers.countAll()).toBe(3);
  });

  it("updates state and spec with a timestamp that grows with every change, and removes rows", () => {
    let t = 1_000;
    const s = store(() => t);
    s.containers.insert({ name: "dev", ownerId: 1, spec, state: "creating" });
    t = 2_000;
    expect(s.containers.setState("dev", "running")).toBe(true);
    expect(s.containers.setSpec("dev", { ...spec, modules: ["git"] })).toBe(true);
    // Two changes in one millisecond still leave two versions, for reconcile's compare-and-set.
    expect(s.containers.find("dev")).toMatchObject({
      state: "running",
      createdAtMs: 1_000,
      updatedAtMs: 2_001,
    });
    expect(s.containers.setState("ghost", "running")).toBe(false);
    expect(s.containers.remove("dev")).toBe(true);
    expect(s.containers.remove("dev")).toBe(false);
  });

  it("rejects states the schema does not know", () => {
    const s = store();
    expect(() =>
      s.containers.insert({ name: "x", ownerId: 1, spec, state: "weird" as never }),
    ).toThrow(/CHECK constraint/);
  });

  it("survives a reopen: a restart loses nothing", () => {
    const path = join(tempDir(), "voxnix.sqlite");
    const first = openStore(path);
    first.containers.insert({ name: "dev", ownerId: 1, spec, state: "running" });
    first.close();
    const second = openStore(path);
    expect(second.containers.find("dev")?.spec).toEqual(spec);
    second.close();
  });

  it("rolls back every write in a failed transaction", () => {
    const s = store();
    expect(() =>
      s.transaction(() => {
        s.containers.insert({ name: "dev", ownerId: 1, spec, state: "creating" });
        s.audit.record({ actor: "tg:1", action: "create", target: "dev", outcome: "ok" });
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(s.containers.countAll()).toBe(0);
    expect(s.audit.recent()).toEqual([]);
  });

  it("parses each spec it reads with the given codec, naming a row it cannot read", () => {
    const path = join(tempDir(), "voxnix.sqlite");
    const raw = openStore(path);
    raw.containers.insert({
      name: "good",
      ownerId: 1,
      spec: { modules: ["git"] },
      state: "running",
    });
    raw.containers.insert({ name: "bad", ownerId: 1, spec: { modules: "git" }, state: "running" });
    raw.close();
    const typed = openStore<{ modules: string[] }>(path, {
      spec: {
        parse(value) {
          const modules = (value as { modules: unknown }).modules;
          if (!Array.isArray(modules)) throw new Error("modules: expected an array");
          return { modules: modules.map(String) };
        },
      },
    });
    expect(typed.containers.find("good")?.spec.modules).toEqual(["git"]);
    expect(() => typed.containers.find("bad")).toThrow(UnreadableSpecError);
    expect(() => typed.containers.listAll()).toThrow(
      "container bad: the registry's spec does not parse: modules: expected an array",
    );
    typed.close();
  });
});
