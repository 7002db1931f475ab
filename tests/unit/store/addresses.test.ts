import Database from "better-sqlite3";
import { execa } from "execa";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../../src/store/index.js";
import { tempDir } from "../../support/temp-dir.js";

const STORE = new URL("../../../src/store/index.ts", import.meta.url).pathname;

// 10.100.0.2 to 10.100.0.5 as numbers: a /29's containers.
const BASE = 10 * 2 ** 24 + 100 * 2 ** 16;
const SMALL = { first: BASE + 2, last: BASE + 5 };
const WIDE = { first: BASE + 2, last: BASE + 254 };

function storeAt(path = join(tempDir(), "voxnix.sqlite")) {
  let clock = 1_000;
  const store = openStore(path, { now: () => clock++ });
  const add = (...names: string[]) => {
    for (const name of names)
      store.containers.insert({ name, ownerId: 1001, spec: { name }, state: "creating" });
  };
  return { store, add, path };
}

describe("addresses repository", () => {
  it("gives each container one address of the range, the same one every time", () => {
    const { store, add } = storeAt();
    add("dev", "web");
    expect(store.addresses.assign("dev", SMALL)).toBe(BASE + 2);
    expect(store.addresses.assign("web", SMALL)).toBe(BASE + 3);
    expect(store.addresses.assign("dev", SMALL)).toBe(BASE + 2);
    expect(store.addresses.find("web")).toBe(BASE + 3);
    expect(store.addresses.containerAt(BASE + 3)).toBe("web");
    expect(store.addresses.containerAt(BASE + 4)).toBeUndefined();
  });

  it("keeps a destroyed container's address out of use while the range has fresh ones", () => {
    const { store, add } = storeAt();
    add("dev", "web");
    store.addresses.assign("dev", SMALL);
    store.addresses.assign("web", SMALL);
    store.containers.remove("dev");
    expect(store.addresses.find("dev")).toBeUndefined();
    expect(store.addresses.containerAt(BASE + 2)).toBeUndefined();
    // A new container of the same name is another container: it gets a fresh address.
    add("dev", "api");
    expect(store.addresses.assign("dev", SMALL)).toBe(BASE + 4);
    expect(store.addresses.assign("api", SMALL)).toBe(BASE + 5);
  });

  it("hands a released address out again only when the range has no fresh one, and then none", () => {
    const { store, add } = storeAt();
    add("a", "b", "c", "d");
    for (const name of ["a", "b", "c", "d"]) store.addresses.assign(name, SMALL);
    store.containers.remove("c");
    store.containers.remove("a");
    add("e", "f", "g");
    // Released longest ago first: a's was assigned before c's.
    expect(store.addresses.assign("e", SMALL)).toBe(BASE + 2);
    expect(store.addresses.assign("f", SMALL)).toBe(BASE + 4);
    expect(store.addresses.assign("g", SMALL)).toBeUndefined();
    expect(store.addresses.find("g")).toBeUndefined();
  });

  it("moves a container into a changed network, releasing its old address", () => {
    const { store, add } = storeAt();
    add("dev");
    store.addresses.assign("dev", SMALL);
    const other = { first: BASE + 256 + 2, last: BASE + 256 + 254 };
    expect(store.addresses.assign("dev", other)).toBe(other.first);
    expect(store.addresses.find("dev")).toBe(other.first);
  });

  it("is held by the table's constraints, not by the code that picks: no address twice, no container twice", () => {
    const { store, add, path } = storeAt();
    add("dev", "web");
    store.addresses.assign("dev", SMALL);
    const db = new Database(path);
    const insert = db.prepare(
      "INSERT INTO container_addresses (address, container, assigned_at) VALUES (?, ?, 1)",
    );
    expect(() => insert.run(BASE + 2, "web")).toThrow(/UNIQUE constraint failed/);
    expect(() => insert.run(BASE + 9, "dev")).toThrow(/UNIQUE constraint failed/);
    // Only a container the registry knows can hold one.
    expect(() => insert.run(BASE + 9, "ghost")).toThrow(/FOREIGN KEY constraint failed/);
    db.close();
  });

  it("never gives two containers one address when two processes assign at once", async () => {
    const { store, add, path } = storeAt();
    const names = Array.from({ length: 40 }, (_, i) => `c${i}`);
    add(...names);
    store.close();
    // Each process loads the store, then waits for the same instant: a real race, one process
    // assigning in order and the other in reverse, so they meet in the middle.
    const at = Date.now() + 3_000;
    const run = (order: string[]) =>
      execa(
        process.execPath,
        [
          "--import",
          import.meta.resolve("tsx"),
          "--input-type=module",
          "-e",
          `import(${JSON.stringify(STORE)}).then((m) => {
             const store = m.openStore(process.argv[1]);
             while (Date.now() < ${at}) {}
             const range = ${JSON.stringify(WIDE)};
             const got = Object.fromEntries(${JSON.stringify(order)}.map((n) => [n, store.addresses.assign(n, range)]));
             store.close();
             console.log(JSON.stringify(got));
           })`,
          path,
        ],
        { timeout: 60_000 },
      );
    const [forward, backward] = await Promise.all([run(names), run([...names].reverse())]);
    const a = JSON.parse(forward.stdout) as Record<string, number>;
    const b = JSON.parse(backward.stdout) as Record<string, number>;
    expect(b).toEqual(a);
    const addresses = Object.values(a);
    expect(new Set(addresses).size).toBe(names.length);
    expect(addresses.every((n) => n >= WIDE.first && n <= WIDE.last)).toBe(true);
  }, 60_000);
});
