/**
 * Copying a build's artifacts out of a tar of its artifacts directory (Docker's archive API, or
 * `tar -c` for LocalRunner) into `<artifactsDir>/<buildId>/`, so both runners follow one rule:
 * - regular files only; symlinks, hard links and devices are skipped (never followed), and so is
 *   any name that would leave the directory (`..`, absolute);
 * - at most `limit` bytes in all: a file that would pass the limit is dropped (counted), later
 *   smaller ones may still fit; at most MAX_ARTIFACT_FILES files;
 * - bounded memory: file data goes to disk as it arrives.
 * Whatever goes wrong on the way (the stream breaks, the disk fills) ends the copy with a note;
 * the files copied before it are kept and listed.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { type TarEntry, TarReader } from "./tar.ts";

export interface ArtifactFile {
  /** Relative to the artifacts directory, "/"-separated. */
  path: string;
  size: number;
}

export interface ArtifactsCopy {
  /** Copied files, sorted by path. */
  files: ArtifactFile[];
  /** Files left out over the byte (or file count) limit. */
  dropped: number;
}

/** So that a job writing a million empty files cannot exhaust the host's inodes. */
export const MAX_ARTIFACT_FILES = 10_000;
/** Notes about skipped entries per build; the rest are counted in one line. */
const MAX_NOTES = 20;

/** Where a build's artifacts go: `<artifactsDir>/<buildId>`, the id made safe for a path. */
export function artifactsDest(artifactsDir: string, buildId: string): string {
  const safe = buildId.replace(/[^a-zA-Z0-9_.-]/g, "_");
  return join(artifactsDir, /^\.+$/.test(safe) ? `_${safe}` : safe);
}

export interface ExtractOptions {
  /** The name the archive gives the directory itself (its basename); entries are below it. */
  root: string;
  /** Destination directory; emptied first. */
  into: string;
  limit: number;
  /** Files at most; default MAX_ARTIFACT_FILES. */
  maxFiles?: number;
  /** A line for the build's console. */
  note: (line: string) => void;
}

/** Reads the tar to its end and writes the files that fit. Never throws for the archive's contents. */
export async function extractArtifacts(tar: AsyncIterable<Uint8Array | string>, opts: ExtractOptions): Promise<ArtifactsCopy> {
  rmSync(opts.into, { recursive: true, force: true });
  // Only gatebox's user reads artifacts (the web serves them): directories 0700, files 0600.
  mkdirSync(opts.into, { recursive: true, mode: 0o700 });
  const writer = new ArtifactWriter(opts);
  const reader = new TarReader(writer);
  try {
    for await (const chunk of tar) reader.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    reader.finish();
  } catch (err) {
    writer.abandon(`gatebox: artifacts: the copy broke off: ${(err as Error).message}`);
  }
  return writer.result();
}

class ArtifactWriter {
  private readonly files: ArtifactFile[] = [];
  private used = 0;
  private dropped = 0;
  private skippedNotes = 0;
  private fd: number | null = null;
  private current: ArtifactFile | null = null;
  /** Set once writing failed (disk full?): every later file is dropped. */
  private broken = false;

  constructor(private readonly opts: ExtractOptions) {}

  entry(e: TarEntry): void {
    const rel = this.relative(e.name);
    if (rel === "" && e.type !== "dir") {
      this.skip(`the artifacts directory itself (a ${e.type})`);
      return;
    }
    if (rel === null || rel === "" || e.type === "dir") return;
    if (e.type !== "file") {
      this.skip(`${rel} (a ${e.type}: only regular files are copied)`);
      return;
    }
    if (this.broken || this.files.length >= (this.opts.maxFiles ?? MAX_ARTIFACT_FILES) || this.used + e.size > this.opts.limit) {
      this.dropped++;
      return;
    }
    const target = join(this.opts.into, ...rel.split("/"));
    try {
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      this.fd = openSync(target, "w", 0o600);
    } catch (err) {
      this.skip(`${rel} (${(err as Error).message})`);
      return;
    }
    this.current = { path: rel, size: e.size };
    this.used += e.size;
  }

  data(chunk: Uint8Array): void {
    if (this.fd === null) return;
    try {
      let off = 0;
      while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
    } catch (err) {
      this.abandon(`gatebox: artifacts: cannot write ${this.current?.path}: ${(err as Error).message}; the rest is dropped`);
    }
  }

  end(): void {
    if (this.fd === null || this.current === null) return;
    try {
      closeSync(this.fd);
      this.files.push(this.current);
    } catch (err) {
      this.abandon(`gatebox: artifacts: cannot write ${this.current.path}: ${(err as Error).message}; the rest is dropped`);
    }
    this.fd = null;
    this.current = null;
  }

  /** Stops writing: the file being written is removed and counted as dropped. */
  abandon(why: string): void {
    this.opts.note(why);
    this.broken = true;
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // Removed below either way.
      }
      this.fd = null;
    }
    if (this.current) {
      rmSync(join(this.opts.into, ...this.current.path.split("/")), { force: true });
      this.used -= this.current.size;
      this.dropped++;
      this.current = null;
    }
  }

  result(): ArtifactsCopy {
    if (this.skippedNotes > MAX_NOTES) this.opts.note(`gatebox: artifacts: ${this.skippedNotes - MAX_NOTES} more entries skipped`);
    const files = [...this.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { files, dropped: this.dropped };
  }

  /** The entry's path below the root, "/"-separated; "" for the root itself, null for a name to refuse. */
  private relative(name: string): string | null {
    const parts = name.split("/").filter((p) => p !== "" && p !== ".");
    if (parts[0] !== this.opts.root) {
      this.skip(`${name} (outside the artifacts directory)`);
      return null;
    }
    const rest = parts.slice(1);
    if (rest.length === 0) return "";
    const rel = rest.join("/");
    const base = resolve(this.opts.into);
    if (rest.includes("..") || !resolve(base, ...rest).startsWith(base + sep)) {
      this.skip(`${rel} (a name that leaves the artifacts directory)`);
      return null;
    }
    return rel;
  }

  private skip(what: string): void {
    this.skippedNotes++;
    if (this.skippedNotes <= MAX_NOTES) this.opts.note(`gatebox: artifacts: skipped ${what}`);
  }
}
