import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../../src/store/index.js";
import { tempDir } from "../../support/temp-dir.js";

const key = (container: string, keyId: string, ownerId = 1001) => ({
  container,
  ownerId,
  keyId,
  keyCreatedAtMs: 10_000,
  keyExpiresAtMs: 910_000,
});

describe("tailnet bindings repository", () => {
  it("records a key unbound, then binds it to a node once", () => {
    const s = openStore(join(tempDir(), "voxnix.sqlite"), { now: () => 5_000 });
    s.tailnetBindings.record(key("dev", "k1"));
    expect(s.tailnetBindings.find("dev")).toEqual({
      ...key("dev", "k1"),
      nodeId: undefined,
      boundAtMs: undefined,
    });
    expect(s.tailnetBindings.bind("dev", "k1", "nA")).toBe(true);
    expect(s.tailnetBindings.bind("dev", "k1", "nB")).toBe(false);
    expect(s.tailnetBindings.find("dev")).toMatchObject({ nodeId: "nA", boundAtMs: 5_000 });
  });

  it("never binds one node to two containers, nor a key that was replaced", () => {
    const s = openStore(join(tempDir(), "voxnix.sqlite"));
    s.tailnetBindings.record(key("dev", "k1"));
    s.tailnetBindings.record(key("web", "k2"));
    expect(s.tailnetBindings.bind("dev", "k1", "nA")).toBe(true);
    expect(s.tailnetBindings.bind("web", "k2", "nA")).toBe(false);
    // A new container of the same name replaces the row; the old key binds nothing.
    s.tailnetBindings.record(key("web", "k3", 2002));
    expect(s.tailnetBindings.bind("web", "k2", "nB")).toBe(false);
    expect(s.tailnetBindings.find("web")).toMatchObject({ keyId: "k3", ownerId: 2002 });
    expect(s.tailnetBindings.remove("web", "k2")).toBe(false);
    expect(s.tailnetBindings.remove("web", "k3")).toBe(true);
    expect(s.tailnetBindings.listAll().map((b) => b.container)).toEqual(["dev"]);
  });

  it("keeps its rows across a reopen of the database", () => {
    const path = join(tempDir(), "voxnix.sqlite");
    const first = openStore(path);
    first.tailnetBindings.record(key("dev", "k1"));
    first.tailnetBindings.bind("dev", "k1", "nA");
    first.close();
    const second = openStore(path);
    expect(second.tailnetBindings.find("dev")?.nodeId).toBe("nA");
    second.close();
  });
});
