import { open, stat } from "node:fs/promises";
import { type ConsoleEvent, type ConsoleHeader, parseEvent, parseHeader } from "./console-format.ts";

const READ_BYTES = 128 * 1024;

/**
 * Reads a console file forward from a byte offset, in bounded steps: a reader holds at most one
 * read buffer and one partial line, whatever the file's size. Not safe for concurrent `next` calls.
 *
 * It holds no open file between calls: each `next` opens, reads and closes. A watcher may be
 * abandoned mid-stream (a client that went away while a write was pending) and collected by the
 * garbage collector; a FileHandle left open then is an error in Bun that ends the process.
 */
export class ConsoleReader {
  private constructor(
    private readonly path: string,
    /** Byte offset of the next unread line. */
    public offset: number,
  ) {}

  static async open(path: string, offset = 0): Promise<ConsoleReader> {
    // Fail here, like an open would, when the file is not there.
    await stat(path);
    return new ConsoleReader(path, offset);
  }

  /**
   * Events in whole lines between `offset` and `limit` (at most about READ_BYTES of them; a
   * longer line is read whole). Advances `offset` past them. Empty when nothing complete is there.
   */
  async next(limit: number): Promise<{ events: ConsoleEvent[]; header: ConsoleHeader | null }> {
    if (limit <= this.offset) return { events: [], header: null };
    const fh = await open(this.path, "r");
    try {
      return await this.read(fh, limit);
    } finally {
      await fh.close();
    }
  }

  private async read(fh: Awaited<ReturnType<typeof open>>, limit: number): Promise<{ events: ConsoleEvent[]; header: ConsoleHeader | null }> {
    let want = Math.min(READ_BYTES, limit - this.offset);
    while (want > 0) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, this.offset);
      const slice = buf.subarray(0, bytesRead);
      const end = slice.lastIndexOf(10);
      if (end < 0) {
        // No complete line in the window: a long line; widen the window unless at the limit.
        if (this.offset + want >= limit || bytesRead < want) return { events: [], header: null };
        want = Math.min(want * 2, limit - this.offset);
        continue;
      }
      const events: ConsoleEvent[] = [];
      let header: ConsoleHeader | null = null;
      for (const line of slice.subarray(0, end).toString("utf8").split("\n")) {
        const ev = parseEvent(line);
        if (ev) events.push(ev);
        else if (this.offset === 0 && header === null) header = parseHeader(line);
      }
      this.offset += end + 1;
      return { events, header };
    }
    return { events: [], header: null };
  }

  async size(): Promise<number> {
    return (await stat(this.path)).size;
  }

  /** Nothing to release (no file stays open between calls); kept so callers need not know. */
  async close(): Promise<void> {}
}

/** Reads a whole finished console (for tests, the CLI's `logs`, the web's download). */
export async function readConsole(path: string): Promise<{ header: ConsoleHeader | null; events: ConsoleEvent[] }> {
  const r = await ConsoleReader.open(path);
  try {
    const size = await r.size();
    const events: ConsoleEvent[] = [];
    let header: ConsoleHeader | null = null;
    while (r.offset < size) {
      const before = r.offset;
      const step = await r.next(size);
      header ??= step.header;
      events.push(...step.events);
      if (r.offset === before) break; // a torn last line: nothing more to read
    }
    return { header, events };
  } finally {
    await r.close();
  }
}
