// The tool server of a fake host. The fakes in bin/ are small clients (lib/client.c compiled, or
// a few lines of bash where nothing compiles it: create-host.mjs) that send their argv here over
// loopback TCP and print what comes back, so a fake call costs a few milliseconds, as a real host
// tool does, rather than a Node start-up (~150 ms) per call.
//
// Protocol, one connection per call:
//   client → server   "<argc>\0<pid>\0<tool>\0<arg1>\0…<argN>\0"   pid: the client's own, so a
//                     fake that really mounts can do it in its caller's mount namespace
//   server → client   "done <exit code> <id>\n"   output in io/<id>.out and io/<id>.err (no
//                                               file for a stream that printed nothing)
//                     "hang <0|1>\n"              the client blocks (1: with a grandchild) until killed
// When the client goes away first (killed, timed out), the call stops at its next checkpoint or
// sleep, having done no more: as a killed tool would.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import chown from "../tools/chown.mjs";
import journalctl from "../tools/journalctl.mjs";
import machinectl from "../tools/machinectl.mjs";
import nixBuild from "../tools/nix-build.mjs";
import nixInstantiate from "../tools/nix-instantiate.mjs";
import nixosContainer from "../tools/nixos-container.mjs";
import systemctl from "../tools/systemctl.mjs";
import systemdRun from "../tools/systemd-run.mjs";
import zfs from "../tools/zfs.mjs";
import zpool from "../tools/zpool.mjs";
import { runTool } from "./tool.mjs";

const TOOLS = new Map(
  [
    chown,
    journalctl,
    machinectl,
    nixBuild,
    nixInstantiate,
    nixosContainer,
    systemctl,
    systemdRun,
    zfs,
    zpool,
  ].map((t) => [t.name, t]),
);

/** Serves the fake tools of the host in `dir`; writes the port to `dir/port`. */
export async function startToolServer(dir) {
  const io = join(dir, "io");
  // A server before this one may have died with calls in flight: their files are not ours, and
  // ids start again at 1 (the client prints a file that is there, and none when a stream was empty).
  rmSync(io, { recursive: true, force: true });
  mkdirSync(io, { recursive: true });
  let nextId = 1;
  const sockets = new Set();

  const server = createServer((socket) => {
    sockets.add(socket);
    const caller = new AbortController();
    const files = [];
    let buffered = Buffer.alloc(0);
    let started = false;
    socket.on("data", (chunk) => {
      if (started) return;
      buffered = Buffer.concat([buffered, chunk]);
      const fields = buffered.toString("utf8").split("\0");
      const argc = Number(fields[0]);
      if (fields.length - 1 < argc + 3) return; // not all of it yet
      started = true;
      const [pid, name, ...args] = fields.slice(1, argc + 3);
      void serve(name, args, Number(pid));
    });
    socket.on("error", () => {}); // a killed client resets the connection: expected
    socket.on("close", () => {
      sockets.delete(socket);
      caller.abort();
      for (const file of files) rmSync(file, { force: true });
    });

    async function serve(name, args, callerPid) {
      const tool = TOOLS.get(name);
      if (!tool) return socket.end(`done 127 0\n`);
      const result = await runTool(tool, args, dir, caller.signal, callerPid);
      if (result.gone || socket.destroyed) return;
      if (result.hang) return socket.write(`hang ${result.spawnChild ? 1 : 0}\n`);
      const id = nextId++;
      for (const [extension, text] of [
        ["out", result.stdout],
        ["err", result.stderr],
      ]) {
        if (!text) continue; // the client prints a stream only when its file has something
        const file = join(io, `${id}.${extension}`);
        writeFileSync(file, text);
        files.push(file);
      }
      socket.write(`done ${result.code} ${id}\n`);
    }
  });

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  writeFileSync(join(dir, "port"), `${port}\n`);
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
