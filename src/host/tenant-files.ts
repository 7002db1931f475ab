import { constants } from "node:fs";
import { open, readlink } from "node:fs/promises";

/**
 * Reading files in a tenant's workspace from the host, where the tenant controls every byte and
 * every name: a planted symlink, a FIFO, a huge file or a directory swapped for a link between
 * two steps must never make the daemon read outside the workspace, block, or run out of memory.
 *
 * The last component is opened without following links and without blocking (a FIFO opens and
 * is then refused as not a regular file). Links in earlier components are caught after the
 * open: the kernel's own path of the opened file (/proc/self/fd) must lie inside `root`.
 * Returns undefined for anything that is not a regular file inside `root` of at most `maxBytes`.
 */
export async function readTenantFile(
  root: string,
  path: string,
  maxBytes: number,
): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const real = await readlink(`/proc/self/fd/${handle.fd}`);
    if (!real.startsWith(`${root.replace(/\/+$/, "")}/`)) return undefined;
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    const buffer = Buffer.alloc(stat.size);
    const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
    return buffer.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
