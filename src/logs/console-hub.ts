import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type ConsoleEvent, consoleFileName } from "./console-format.ts";
import { ConsoleReader } from "./console-reader.ts";
import { ConsoleWriter } from "./console-writer.ts";

export type ConsoleListener = (event: ConsoleEvent) => void | Promise<void>;

/**
 * Every build's console: one file per build in `logDir`, and live fan-out to watchers.
 *
 * Fan-out design: a watcher is a reader of the file that follows it as it grows, woken by the
 * writer after each append. The build never waits on a watcher and nothing is queued for one, so
 * a slow or stalled watcher costs one read buffer and falls behind on disk, then catches up at its
 * own pace; one joining mid-build starts at byte 0 and so sees everything so far, then live events.
 *
 * Contract: `open` once per build run (again after a restart to continue the same file). A watch
 * ends after the end marker, when its signal aborts, or, for a build that is not live and whose
 * file ends without a marker (crashed), at the end of the file.
 */
export class ConsoleHub {
  private readonly live = new Map<string, ConsoleWriter>();

  constructor(
    readonly logDir: string,
    private readonly now: () => number = Date.now,
  ) {
    // Consoles may show what a job printed about the machine it ran on: only gatebox's user reads them.
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
  }

  pathOf(buildId: string): string {
    return join(this.logDir, consoleFileName(buildId));
  }

  /**
   * Starts (or continues) a build's console. The writer leaves the hub when closed. Never throws:
   * a file that cannot be created gives a writer that is already `failed` (and not live).
   * `secrets` are values never written: each occurrence is stored as *** (ConsoleWriter.hide).
   */
  open(buildId: string, secrets: Iterable<string> = []): ConsoleWriter {
    const current = this.live.get(buildId);
    if (current && !current.closed) {
      current.hide(secrets);
      return current;
    }
    const w = new ConsoleWriter(this.pathOf(buildId), buildId, this.now, secrets);
    if (w.closed) return w;
    this.live.set(buildId, w);
    const off = w.onChange(() => {
      if (w.closed && this.live.get(buildId) === w) {
        this.live.delete(buildId);
        off();
      }
    });
    return w;
  }

  isLive(buildId: string): boolean {
    return this.live.has(buildId);
  }

  /** Everything the build has written so far, then live events until the end. */
  async *watch(buildId: string, signal?: AbortSignal): AsyncGenerator<ConsoleEvent> {
    for await (const batch of this.watchBatches(buildId, signal)) yield* batch;
  }

  /**
   * The same events in the batches they were read in (never empty): a watcher that sends them on
   * (the TCP stream) writes once per batch rather than once per event, which is what keeps many
   * watchers of a fast job cheap.
   */
  async *watchBatches(buildId: string, signal?: AbortSignal): AsyncGenerator<ConsoleEvent[]> {
    const path = this.pathOf(buildId);
    if (!existsSync(path)) {
      // Not started yet: wait for the writer to appear (the web may subscribe before the build starts).
      if (!(await this.waitForOpen(buildId, signal))) return;
    }
    const reader = await ConsoleReader.open(path);
    try {
      while (!signal?.aborted) {
        const writer = this.live.get(buildId);
        const limit = writer ? writer.size : await reader.size();
        if (reader.offset < limit) {
          const before = reader.offset;
          const { events } = await reader.next(limit);
          const end = events.findIndex((ev) => ev.kind === "x");
          if (end >= 0) {
            yield events.slice(0, end + 1);
            return;
          }
          if (events.length > 0) yield events;
          if (reader.offset === before && !writer) return; // torn tail of a crashed build
          continue;
        }
        if (!writer) return; // not live and read to the end
        await changed(writer, signal);
      }
    } finally {
      await reader.close();
    }
  }

  /**
   * Calls `listener` with each event, awaiting it before the next: a slow listener only delays
   * itself. Returns an unsubscribe (idempotent). `done` settles when the watch ends.
   */
  subscribe(buildId: string, listener: ConsoleListener): { unsubscribe: () => void; done: Promise<void> } {
    const ac = new AbortController();
    const done = (async () => {
      for await (const ev of this.watch(buildId, ac.signal)) {
        if (ac.signal.aborted) return;
        await listener(ev);
      }
    })();
    return { unsubscribe: () => ac.abort(), done };
  }

  private waitForOpen(buildId: string, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const timer = setInterval(() => {
        if (existsSync(this.pathOf(buildId))) finish(true);
      }, 100);
      const finish = (ok: boolean) => {
        clearInterval(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(ok);
      };
      const onAbort = () => finish(false);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** Resolves on the writer's next append or close, or when the signal aborts. */
function changed(writer: ConsoleWriter, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      off();
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const off = writer.onChange(done);
    signal?.addEventListener("abort", done, { once: true });
  });
}
