import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { sizeText } from "./units.ts";

/**
 * Reads a small file the user named (the config, a secret, a scenario) without trusting it: it
 * must be a regular file (a FIFO would block forever, /dev/zero would never end) of at most `max`
 * bytes, checked before reading, and no more than `max` bytes are ever read (a file in /proc says
 * it has 0 bytes and then has more). Never throws: the answer is the text or why there is none:
 * the system's error code (ENOENT, EACCES), or a phrase that follows the path ("is a directory").
 */
export type SmallFile = { text: string } | { why: string } | { code: string };

export function readSmallFile(path: string, max: number): SmallFile {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    return errno(err);
  }
  const kind = notRegular(st) ?? tooBig(st, max);
  if (kind) return { why: kind };
  let fd: number;
  try {
    // Non-blocking: should the path have become a FIFO since the stat, opening it does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return errno(err);
  }
  try {
    const again = fstatSync(fd);
    const changed = notRegular(again) ?? tooBig(again, max);
    if (changed) return { why: changed };
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > max) return { why: `is larger than ${sizeText(max)}` };
    return { text: buf.subarray(0, n).toString("utf8") };
  } catch (err) {
    return errno(err);
  } finally {
    closeSync(fd);
  }
}

function notRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return "is a directory, not a file";
  if (st.isFIFO()) return "is a named pipe (FIFO), not a regular file";
  if (st.isSocket()) return "is a socket, not a regular file";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "is a device, not a regular file";
  return "is not a regular file";
}

function tooBig(st: Stats, max: number): string | null {
  if (st.size <= max) return null;
  // Just over the limit rounds to the limit in KiB: then say it in bytes.
  const size = sizeText(st.size) === sizeText(max) ? `${st.size} bytes` : sizeText(st.size);
  return `is ${size}, larger than the limit of ${sizeText(max)}`;
}

function errno(err: unknown): { code: string } {
  const e = err as NodeJS.ErrnoException;
  return { code: e?.code ?? e?.message ?? String(err) };
}
