import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { type ConsoleKind, encodeEvent, encodeHeader, parseHeader } from "./console-format.ts";
import { type MaskStream, SecretMask } from "./secret-mask.ts";

/** Larger chunks are split, so every stored line stays small enough for a reader's buffer. */
export const MAX_EVENT_BYTES = 64 * 1024;

/**
 * Appends one build's console to its file as output arrives (format: console-format.ts).
 *
 * Writes are synchronous on purpose: each chunk is on disk (in the page cache) before the next is
 * read from the engine, so memory never grows with output size, however fast the job prints, and
 * a reader that sees `size` can read every byte below it. One writer per build at a time.
 * `close` is idempotent; writes after close are dropped.
 *
 * No method throws on a file system error (disk full, I/O error, file cannot be created): the
 * first one is kept in `failed`, `failure` resolves with it, the file is closed (listeners are
 * told, as on close) and every later write is dropped. What is in the file stays readable: only
 * complete lines count in `size`. It is the caller's to end the build as an infrastructure error.
 *
 * Secrets (`hide`, or the constructor's `secrets`) never reach the file: every occurrence in the
 * job's output and in info lines is written as `***`, including a value split across chunks
 * (see secret-mask.ts: the end of a chunk that may begin a value waits for the next one).
 */
export class ConsoleWriter {
  private fd: number | null = null;
  private bytes = 0;
  private readonly decoders = { o: new TextDecoder("utf-8"), e: new TextDecoder("utf-8") };
  private mask = new SecretMask([]);
  private maskers: Record<"o" | "e", MaskStream> = { o: this.mask.stream(), e: this.mask.stream() };
  private readonly listeners = new Set<() => void>();
  private firstError: Error | null = null;
  private reportFailure: (err: Error) => void = () => {};
  /** Resolves with the first write error; stays pending while writes work. */
  readonly failure: Promise<Error> = new Promise((resolve) => {
    this.reportFailure = resolve;
  });
  readonly started: number;

  /**
   * Creates the file, or continues an existing one (a build reattached after a restart): then
   * its header's `started` is kept so times stay on one axis.
   */
  constructor(
    readonly path: string,
    readonly buildId: string,
    private readonly now: () => number = Date.now,
    secrets: Iterable<string> = [],
  ) {
    this.hide(secrets);
    let started = now();
    try {
      this.fd = openSync(path, "a+", 0o600);
      const size = fstatSync(this.fd).size;
      const existing = size > 0 ? readHeaderLine(this.fd) : null;
      if (existing) {
        started = existing.started;
        this.bytes = size;
        // A crash mid-write can leave a torn last line; end it so our first event parses.
        const last = Buffer.alloc(1);
        readSync(this.fd, last, 0, 1, size - 1);
        if (last[0] !== 10) this.append("\n");
      } else {
        this.append(encodeHeader(buildId, started));
      }
    } catch (err) {
      this.fail(err);
    }
    this.started = started;
  }

  /** The first file system error met (then the file was closed and writes are dropped); null while all is well. */
  get failed(): Error | null {
    return this.firstError;
  }

  /** Bytes in the file; everything below is complete lines. */
  get size(): number {
    return this.bytes;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** Adds values to hide from now on (before the first write, to hide them everywhere). */
  hide(values: Iterable<string>): void {
    const added = [...values].filter((v) => v !== "");
    if (added.length === 0) return;
    const previous = this.maskers;
    this.mask = new SecretMask([...this.mask.values, ...added]);
    this.maskers = { o: this.mask.stream(previous.o.held), e: this.mask.stream(previous.e.held) };
  }

  /** `text` with every hidden value replaced by ***: for messages that leave the console (the outcome). */
  redact(text: string): string {
    return this.mask.redact(text);
  }

  stdout(chunk: Uint8Array): void {
    this.bytesEvent("o", chunk);
  }

  stderr(chunk: Uint8Array): void {
    this.bytesEvent("e", chunk);
  }

  /** A line from gatebox itself (image pull, attempts), shown apart from the job's output. */
  info(line: string): void {
    this.event("i", this.mask.redact(line));
  }

  /** Writes the end marker with the result and closes the file. */
  close(result?: string): void {
    if (this.fd === null) return;
    for (const kind of ["o", "e"] as const) {
      const rest = this.maskers[kind].push(this.decoders[kind].decode()) + this.maskers[kind].flush();
      if (rest) this.event(kind, rest);
    }
    if (result !== undefined) this.event("x", result);
    if (this.fd === null) return; // a write above failed and closed it
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch (err) {
      this.keep(err);
    }
    this.notify();
  }

  /** Called after every append and on close; must not throw or block. Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private bytesEvent(kind: "o" | "e", chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i += MAX_EVENT_BYTES) {
      // stream: true holds back a UTF-8 sequence split across chunks until its end arrives.
      const decoded = this.decoders[kind].decode(chunk.subarray(i, i + MAX_EVENT_BYTES), { stream: true });
      const text = this.maskers[kind].push(decoded);
      if (text) this.event(kind, text);
    }
  }

  private event(kind: ConsoleKind, data: string): void {
    if (this.fd === null) return;
    try {
      this.append(encodeEvent((this.now() - this.started) / 1000, kind, data));
    } catch (err) {
      this.fail(err);
      return;
    }
    this.notify();
  }

  /** Throws what writeSync throws (ENOSPC, EIO, …); `bytes` only grows by whole lines. */
  private append(line: string): void {
    // Writing the string directly spares a Buffer per event; a short write (rare on a regular
    // file) falls back to writing the rest as bytes.
    const len = Buffer.byteLength(line, "utf8");
    const n = writeSync(this.fd!, line, null, "utf8");
    if (n < len) {
      const buf = Buffer.from(line, "utf8");
      let off = n;
      while (off < len) off += writeSync(this.fd!, buf, off, len - off);
    }
    this.bytes += len;
  }

  /** Keeps the first error, closes the file and tells the listeners (watchers end as on close). */
  private fail(err: unknown): void {
    this.keep(err);
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      try {
        closeSync(fd);
      } catch {
        // The error that matters is already kept.
      }
    }
    this.notify();
  }

  private keep(err: unknown): void {
    if (this.firstError) return;
    const e = err instanceof Error ? err : new Error(String(err));
    this.firstError = new Error(`cannot write the console file ${this.path}: ${e.message}`, { cause: e });
    this.reportFailure(this.firstError);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }
}

function readHeaderLine(fd: number) {
  const buf = Buffer.alloc(4096);
  const n = readSync(fd, buf, 0, buf.length, 0);
  const nl = buf.subarray(0, n).indexOf(10);
  return nl < 0 ? null : parseHeader(buf.subarray(0, nl).toString("utf8"));
}
