import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../../src/store/index.js";
import { CLAIM_STALE_MS } from "../../../src/store/notices.js";
import { tempDir } from "../../support/temp-dir.js";

/** Two processes' stores on one file (the daemon, a console), on one clock. */
function twoDeliverers() {
  const path = join(tempDir(), "voxnix.sqlite");
  let clock = 1_000;
  const now = () => clock;
  const daemon = openStore(path, { now });
  const console = openStore(path, { now });
  return {
    daemon,
    console,
    later: (ms: number) => void (clock += ms),
    close: () => [daemon, console].forEach((s) => s.close()),
  };
}

describe("notices outbox", () => {
  it("is delivered by one deliverer: a claim keeps the other off it", () => {
    const { daemon, console, close } = twoDeliverers();
    daemon.notices.add({ userId: 1001, text: "⚠️ dev stops in an hour" });
    const [notice] = console.notices.listAll();
    expect(notice).toBeDefined();
    const id = notice?.id ?? 0;
    expect(daemon.notices.claim(id)).toBe(true);
    expect(console.notices.claim(id)).toBe(false);
    expect(daemon.notices.remove(id)).toBe(true);
    expect(console.notices.claim(id)).toBe(false); // delivered: gone
    close();
  });

  it("takes back a notice given back undelivered, or one whose deliverer died", () => {
    const { daemon, console, later, close } = twoDeliverers();
    daemon.notices.add({ userId: 1001, text: "first" });
    daemon.notices.add({ userId: 1001, text: "second" });
    const [first, second] = daemon.notices.listAll().map((n) => n.id);
    expect(daemon.notices.claim(first ?? 0)).toBe(true);
    daemon.notices.release(first ?? 0); // Telegram could not be reached
    expect(console.notices.claim(first ?? 0)).toBe(true);

    expect(daemon.notices.claim(second ?? 0)).toBe(true); // …and then it was killed
    later(CLAIM_STALE_MS - 1);
    expect(console.notices.claim(second ?? 0)).toBe(false);
    later(2);
    expect(console.notices.claim(second ?? 0)).toBe(true);
    expect(console.notices.listAll().map((n) => n.text)).toEqual(["first", "second"]);
    close();
  });
});
