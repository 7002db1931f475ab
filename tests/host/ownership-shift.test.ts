// The ownership shift a fork's workspace gets (src/host/ownership-shift.ts), on real files: as
// root, chown works for real, so the test sees what the kernel does.
import {
  chmodSync,
  chownSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shiftOwnership } from "../../src/host/ownership-shift.js";
import { tempDir } from "../support/temp-dir.js";

const FROM = 1_879_048_192;
const TO = FROM + 65_536 * 3;
const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)("shiftOwnership (needs root to chown)", () => {
  it("moves every id of another container's range to the same offset in this one's, and nothing else", async () => {
    const outside = join(tempDir(), "host-file");
    writeFileSync(outside, "the host's");
    const root = tempDir();
    const own = (path: string, uid: number, gid = uid) => chownSync(path, uid, gid);
    mkdirSync(join(root, "src/deep"), { recursive: true });
    writeFileSync(join(root, "src/deep/a.txt"), "a");
    writeFileSync(join(root, "setuid"), "#!/bin/sh\n");
    linkSync(join(root, "src/deep/a.txt"), join(root, "hardlink"));
    symlinkSync(outside, join(root, "escape"));
    writeFileSync(join(root, "nobody"), "");
    for (const p of ["", "src", "src/deep", "src/deep/a.txt", "setuid"]) own(join(root, p), FROM);
    own(join(root, "src/deep"), FROM + 1000, FROM + 100);
    own(join(root, "nobody"), 65_534);
    lchownLink(join(root, "escape"), FROM);
    chmodSync(join(root, "setuid"), 0o4755); // after its chown, which the kernel makes drop it

    // Another container's range than the source's moves too, by its offset.
    writeFileSync(join(root, "third"), "");
    own(join(root, "third"), FROM + 65_536 * 7 + 5);

    const report = await shiftOwnership(root, TO);
    const ids = (p: string) => {
      const st = lstatSync(join(root, p));
      return [st.uid, st.gid];
    };
    expect(ids("")).toEqual([TO, TO]);
    expect(ids("src/deep")).toEqual([TO + 1000, TO + 100]);
    expect(ids("src/deep/a.txt")).toEqual([TO, TO]);
    expect(ids("hardlink")).toEqual([TO, TO]);
    expect(ids("escape")).toEqual([TO, TO]);
    expect(ids("nobody")).toEqual([65_534, 65_534]);
    // The link was changed, not followed: the host's file is still root's.
    expect([statSync(outside).uid, statSync(outside).gid]).toEqual([0, 0]);
    // The kernel drops setuid on a chown, and the daemon's unit forbids setting it again.
    expect(lstatSync(join(root, "setuid")).mode & 0o7777).toBe(0o755);
    expect(ids("third")).toEqual([TO + 5, TO + 5]);
    // The hard link is a second name of a.txt: seen twice, shifted once.
    expect(report).toEqual({ entries: 9, shifted: 7 });
    // Its root, shifted last, says the walk finished: a second call walks nothing.
    expect(await shiftOwnership(root, TO)).toEqual({ entries: 1, shifted: 0 });
  });

  it("refuses a root that is not a directory", async () => {
    const file = join(tempDir(), "f");
    writeFileSync(file, "");
    await expect(shiftOwnership(file, TO)).rejects.toThrow("is not a directory");
    // Nothing there, nothing of anyone's to give (a rollback mounts the workspace first).
    expect(await shiftOwnership(join(tempDir(), "missing"), TO)).toEqual({
      entries: 0,
      shifted: 0,
    });
  });
});

function lchownLink(path: string, id: number) {
  // chownSync follows links; the link's own owner is set with lchown.
  lchownSync(path, id, id);
}
